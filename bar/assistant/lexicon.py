"""The words the bartender knows, per language: numbers, fillers, and phrases that
translate into one small English "pivot" vocabulary the parser works in.

Every key is written as `normalize` leaves text: lower case, no accents, `ß` as `ss`,
hyphens and apostrophes as spaces. A phrase translates into pivot words (`"sem gelo"`
→ `"no ice"`, `"leite de aveia"` → `"oat milk"`); the menu's own words (option names
such as "oat" or "crushed", tags such as "no-alcohol") go through the English table,
so a guest's "sin hielo" meets a drink's "no ice" in the same words.

Pivot words with a meaning of their own to the parser:

    and                 between two drinks ("," and ";" become it too)
    no                  "without": `no ice`, `no salt`
    all                 "both", "all of them": the options go to every drink before
    alcoholfree         a taste: no alcohol
    surprise, suggest   a question rather than an order

Adding a language: a `Language` below, and its replies in `bar.assistant.replies`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

LANGUAGES = ("en", "pt", "fr", "de", "es")

# Pivot words that ask for a suggestion rather than name a drink.
QUESTION_WORDS = frozenset({"suggest", "surprise", "something", "anything"})
# Tastes a guest may ask for; anything else asked for is looked up in the drinks'
# ingredients and descriptions ("something with mint").
TASTES = ("sweet", "sour", "bitter", "strong", "fruity", "refreshing", "creamy", "alcoholfree")


@dataclass(frozen=True)
class Language:
    code: str
    numbers: dict[str, int]
    # phrase -> pivot words; the longest phrase at a place wins
    phrases: dict[str, str]
    # words that carry nothing for a drink order ("please", "I'd like")
    fillers: frozenset[str] = field(default_factory=frozenset)

    def words(self) -> frozenset[str]:
        """Every word of this language's tables (to tell which language a text is in)."""
        found = set(self.numbers) | set(self.fillers)
        for phrase in self.phrases:
            found.update(phrase.split())
        return frozenset(found)


_SPLIT = re.compile(r"[^\w,;.!?+&]+|_")
_PUNCT = re.compile(r"([,;.!?+&])")


def fold(text: str) -> str:
    """Lower case without accents: "Crème Brûlée" → "creme brulee", "Süß" → "suss"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalize(text: str) -> list[str]:
    """The words of `text`, folded; `,` `;` `.` `!` `?` `+` `&` are words of their own."""
    spaced = _PUNCT.sub(r" \1 ", fold(text))
    return [w for w in _SPLIT.split(spaced) if w]


EN = Language(
    "en",
    numbers={"a": 1, "an": 1, "one": 1, "another": 1, "two": 2, "three": 3, "four": 4,
             "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10},
    phrases={
        "&": "and", "+": "and", ",": "and", ";": "and", ".": "and", "!": "and", "?": "and",
        "plus": "and", "also": "and", "a couple of": "2", "a couple": "2", "a pair of": "2",
        "as well as": "and", "then": "and",
        "without": "no", "w o": "no", "hold the": "no", "not": "no", "w": "with",
        "both": "all", "all of them": "all", "each": "all", "every one": "all",
        "oatmilk": "oat milk", "oat milk": "oat milk", "skim": "skimmed", "skinny": "skimmed",
        "semi skimmed": "skimmed", "full fat": "whole", "big cube": "big cube",
        "big ice cube": "big cube", "on the rocks": "on the rocks", "straight up": "straight up",
        "large cube": "big cube", "big": "large", "rocks": "on the rocks",
        "on ice": "on the rocks", "neat": "straight up", "straight": "straight up",
        "crushed ice": "crushed ice", "diet": "light", "slim": "light",
        "extra shot": "extra shot", "an extra shot": "extra shot", "double shot": "double",
        "no alcohol": "alcoholfree", "non alcoholic": "alcoholfree", "alcohol free": "alcoholfree",
        "zero proof": "alcoholfree", "without alcohol": "alcoholfree", "with no alcohol": "alcoholfree",
        "virgin": "virgin", "mocktail": "alcoholfree",
        "booze free": "alcoholfree", "alcoholic": "strong", "boozy": "strong",
        "refreshing": "refreshing", "fresh": "refreshing", "fruit": "fruity",
        "recommend": "suggest", "suggest": "suggest", "suggestion": "suggest",
        "surprise": "surprise", "surprise me": "surprise", "whatever": "surprise",
        "something": "something", "anything": "anything", "what s good": "suggest",
    },
    fillers=frozenset("""i i d id d we us me my our you please pls can could would like love want
        wanna get have give bring take order for to the of some just hi hello hey thanks thank
        and then ll ve im m s be will may yes ok okay let lets make with that it is
        one drink drinks round glass glasses cup cups what s good maybe""".split()),
)

PT = Language(
    "pt",
    numbers={"um": 1, "uma": 1, "outro": 1, "outra": 1, "dois": 2, "duas": 2, "tres": 3,
             "quatro": 4, "cinco": 5, "seis": 6, "sete": 7, "oito": 8, "nove": 9, "dez": 10},
    phrases={
        "e": "and", "mais": "and", "tambem": "and",
        "com": "with", "sem": "no", "os dois": "all", "as duas": "all", "ambos": "all",
        "ambas": "all", "todos": "all", "todas": "all", "cada": "all",
        "leite de aveia": "oat milk", "aveia": "oat", "leite": "milk", "leite integral": "whole milk",
        "integral": "whole", "inteiro": "whole", "gordo": "whole", "desnatado": "skimmed",
        "magro": "skimmed", "meio gordo": "skimmed", "grande": "large", "pequeno": "regular",
        "normal": "regular", "gelo": "ice", "gelo picado": "crushed ice", "picado": "crushed",
        "triturado": "crushed", "gelo triturado": "crushed ice", "sem gelo": "no ice",
        "cubo grande": "big cube", "pedra grande": "big cube", "com gelo": "on the rocks",
        "com gelo picado": "with crushed ice", "com gelo triturado": "with crushed ice",
        "sal": "salt", "sem sal": "no salt", "duplo": "double", "dupla": "double",
        "simples": "single", "curto": "single", "shot extra": "extra shot",
        "dose extra": "extra shot", "tonica": "tonic", "tonico": "tonic", "leve": "light",
        "pepino": "cucumber", "limao": "lime", "lima": "lime", "menos doce": "less sweet",
        "menos acucar": "less sweet", "doce": "sweet", "doces": "sweet", "azedo": "sour",
        "acido": "sour", "citrico": "sour", "azeda": "sour", "acida": "sour", "amargo": "bitter",
        "amarga": "bitter", "forte": "strong",
        "frutado": "fruity", "refrescante": "refreshing", "cremoso": "creamy",
        "sem alcool": "alcoholfree", "nao alcoolico": "alcoholfree", "virgem": "virgin",
        "com alcool": "strong", "alcoolico": "strong", "cafe": "coffee", "menta": "mint",
        "hortela": "mint", "surpreenda me": "surprise", "surpreende me": "surprise",
        "surpresa": "surprise", "recomenda": "suggest", "recomendas": "suggest",
        "sugere": "suggest", "sugestao": "suggest", "algo": "something", "alguma coisa": "something",
        "qualquer coisa": "anything",
    },
    fillers=frozenset("""eu quero queria queremos gostaria gostariamos de do da para pra
        mim nos por favor pode podes me traz traga manda o a os as ola oi obrigado obrigada
        uns umas um pouco so vou tomar pedir beber bebida bebidas copo copos pf se faz
        ai aqui que tem voce voces isso esse essa ne bom boa ser seja""".split()),
)

FR = Language(
    "fr",
    numbers={"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6,
             "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "encore": 1, "autre": 1},
    phrases={
        "et": "and", "puis": "and", "aussi": "and", "plus": "and",
        "avec": "with", "sans": "no", "les deux": "all", "tous": "all", "toutes": "all",
        "chacun": "all", "chacune": "all",
        "lait d avoine": "oat milk", "au lait d avoine": "oat milk", "avoine": "oat",
        "lait": "milk", "lait entier": "whole milk", "entier": "whole", "ecreme": "skimmed",
        "demi ecreme": "skimmed", "grand": "large", "grande": "large", "petit": "regular",
        "normal": "regular", "glace": "ice", "glacons": "ice", "glacon": "ice",
        "glace pilee": "crushed ice", "pilee": "crushed", "pile": "crushed",
        "concassee": "crushed", "sans glace": "no ice", "sans glacons": "no ice",
        "gros glacon": "big cube", "gros cube": "big cube", "avec glacons": "on the rocks",
        "avec glace pilee": "with crushed ice",
        "avec des glacons": "on the rocks", "sel": "salt", "sans sel": "no salt",
        "double": "double", "serre": "single", "simple": "single", "shot en plus": "extra shot",
        "dose supplementaire": "extra shot", "tonic": "tonic", "leger": "light",
        "legere": "light", "concombre": "cucumber", "citron vert": "lime", "citron": "lime",
        "moins sucre": "less sweet", "sucre": "sweet", "doux": "sweet", "douce": "sweet",
        "acide": "sour", "acidule": "sour", "amer": "bitter", "amere": "bitter", "fort": "strong",
        "forte": "strong", "fruite": "fruity", "rafraichissant": "refreshing", "cremeux": "creamy",
        "sans alcool": "alcoholfree", "non alcoolise": "alcoholfree", "vierge": "virgin",
        "alcoolise": "strong", "cafe": "coffee", "express": "espresso", "menthe": "mint",
        "surprends moi": "surprise", "surprenez moi": "surprise", "surprise": "surprise",
        "recommande": "suggest", "recommandes": "suggest", "conseille": "suggest",
        "conseilles": "suggest", "quelque chose": "something", "n importe quoi": "anything",
    },
    fillers=frozenset("""je j voudrais veux voulons aimerais aimerions prends prendrai nous vous
        moi pour de du des d le la les l s il te vous plait svp merci bonjour salut donne
        donnez mets mettez on peut pourrais pourriez boire boisson boissons verre verres
        tasse qu que quoi est ce bon bien juste alors au aux""".split()),
)

DE = Language(
    "de",
    numbers={"ein": 1, "eine": 1, "einen": 1, "einem": 1, "einer": 1, "eins": 1, "zwei": 2,
             "drei": 3, "vier": 4, "funf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9,
             "zehn": 10, "noch": 1},
    phrases={
        "und": "and", "sowie": "and", "dazu": "and", "ausserdem": "and",
        "mit": "with", "ohne": "no", "beide": "all", "beiden": "all", "alle": "all", "jeweils": "all",
        "hafermilch": "oat milk", "hafer": "oat", "milch": "milk", "vollmilch": "whole milk",
        "magermilch": "skimmed milk", "fettarme milch": "skimmed milk", "fettarm": "skimmed",
        "gross": "large", "grosse": "large", "grossen": "large", "grosser": "large",
        "grosses": "large", "klein": "regular", "kleine": "regular", "kleinen": "regular",
        "normal": "regular", "normale": "regular", "eis": "ice", "eiswurfel": "ice",
        "crushed": "crushed", "crushed ice": "crushed ice", "crushed eis": "crushed ice",
        "zerstossenem eis": "crushed ice", "zerstossenes eis": "crushed ice",
        "ohne eis": "no ice", "grossem eiswurfel": "big cube", "grosser eiswurfel": "big cube",
        "grossen eiswurfel": "big cube", "auf eis": "on the rocks", "mit eis": "on the rocks",
        "mit crushed ice": "with crushed ice", "mit crushed eis": "with crushed ice", "salz": "salt",
        "salzrand": "salt", "ohne salz": "no salt", "ohne salzrand": "no salt",
        "doppelt": "double", "doppelte": "double", "doppelten": "double", "doppelter": "double",
        "doppeltes": "double", "einfach": "single", "einfachen": "single",
        "extra shot": "extra shot", "extra schuss": "extra shot", "leicht": "light",
        "leichtes": "light", "leichtem": "light", "leichten": "light", "leichter": "light",
        "gurke": "cucumber", "limette": "lime", "weniger suss": "less sweet",
        "suss": "sweet", "susses": "sweet", "susse": "sweet", "sauer": "sour", "saures": "sour",
        "bitter": "bitter", "bitteres": "bitter", "stark": "strong", "starkes": "strong",
        "fruchtig": "fruity", "fruchtiges": "fruity", "erfrischend": "refreshing",
        "erfrischendes": "refreshing", "cremig": "creamy", "alkoholfrei": "alcoholfree",
        "alkoholfreies": "alcoholfree", "alkoholfreien": "alcoholfree",
        "alkoholfreier": "alcoholfree", "ohne alkohol": "alcoholfree", "mit alkohol": "strong",
        "kaffee": "coffee", "minze": "mint", "uberrasch mich": "surprise",
        "uberrasche mich": "surprise", "uberraschung": "surprise", "empfiehlst": "suggest",
        "empfehlen": "suggest", "empfehlung": "suggest", "etwas": "something", "was": "something",
        "irgendwas": "anything",
    },
    fillers=frozenset("""ich hatte gern gerne bitte wir mochten mochte nehme nehmen fur mich uns
        der die das den dem des noch haben hallo danke kann konnen konnte bekomme bekommen
        gib gibt mir mal zu trinken getrank getranke glas glaser tasse kannst du ihr sie es
        ist gutes gut empfiehl""".split()),
)

ES = Language(
    "es",
    numbers={"un": 1, "uno": 1, "una": 1, "otro": 1, "otra": 1, "dos": 2, "tres": 3,
             "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8, "nueve": 9, "diez": 10},
    phrases={
        "y": "and", "e": "and", "mas": "and", "tambien": "and",
        "con": "with", "sin": "no", "los dos": "all", "las dos": "all", "ambos": "all",
        "ambas": "all", "todos": "all", "todas": "all", "cada uno": "all",
        "leche de avena": "oat milk", "avena": "oat", "leche": "milk", "leche entera": "whole milk",
        "entera": "whole", "desnatada": "skimmed", "descremada": "skimmed",
        "semidesnatada": "skimmed", "grande": "large", "pequeno": "regular", "normal": "regular",
        "hielo": "ice", "hielo picado": "crushed ice", "picado": "crushed", "triturado": "crushed",
        "hielo triturado": "crushed ice", "frappe": "crushed", "sin hielo": "no ice",
        "cubo grande": "big cube", "con hielo": "on the rocks",
        "con hielo picado": "with crushed ice", "con hielo triturado": "with crushed ice",
        "en las rocas": "on the rocks",
        "sal": "salt", "sin sal": "no salt", "doble": "double", "sencillo": "single",
        "simple": "single", "chupito extra": "extra shot", "carga extra": "extra shot",
        "shot extra": "extra shot", "tonica": "tonic", "ligera": "light", "ligero": "light",
        "pepino": "cucumber", "lima": "lime", "limon": "lime", "menos dulce": "less sweet",
        "menos azucar": "less sweet", "dulce": "sweet", "dulces": "sweet", "agrio": "sour",
        "acido": "sour", "amargo": "bitter", "amarga": "bitter", "fuerte": "strong", "afrutado": "fruity",
        "refrescante": "refreshing", "cremoso": "creamy", "sin alcohol": "alcoholfree",
        "no alcoholico": "alcoholfree", "virgen": "virgin", "con alcohol": "strong",
        "alcoholico": "strong", "cafe": "coffee", "capuchino": "cappuccino", "menta": "mint",
        "hierbabuena": "mint", "sorprendeme": "surprise", "sorpresa": "surprise",
        "recomiendas": "suggest", "recomienda": "suggest", "sugieres": "suggest",
        "algo": "something", "lo que sea": "anything", "cualquier cosa": "anything",
    },
    fillers=frozenset("""yo quiero queremos quisiera quisieramos me nos por favor para mi de del
        la el los las unos unas pon ponme ponnos dame danos hola gracias tomar beber bebida
        bebidas vaso vasos taza que puedes podrias tienes hay bueno buena pf porfa""".split()),
)

BY_CODE: dict[str, Language] = {lang.code: lang for lang in (EN, PT, FR, DE, ES)}
_WORDS = {code: lang.words() for code, lang in BY_CODE.items()}
# Words that say which language a text is in: in one language's tables only.
_TELLING = {
    code: words - frozenset().union(*(w for c, w in _WORDS.items() if c != code))
    for code, words in _WORDS.items()
}


def detect(words: list[str], hint: str | None = None) -> str:
    """The language of `words` (normalized): the one with the most words of its own,
    then the most words at all; a tie goes to `hint`, then English."""
    def score(code: str) -> tuple[int, int, bool, bool]:
        telling = sum(w in _TELLING[code] for w in words)
        known = sum(w in _WORDS[code] for w in words)
        return telling, known, code == hint, code == "en"

    return max(LANGUAGES, key=score)


def language_of(accept: str | None) -> str | None:
    """The first of our languages in an Accept-Language header or a tag ("pt-BR,pt;q=0.9")."""
    for part in (accept or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in BY_CODE:
            return code
    return None


def translate(words: list[str], language: str) -> list[tuple[str, str]]:
    """`words` in pivot words, each with the words of the guest's it came from.

    Numbers become digits; the longest phrase at each place wins. English phrases
    apply in every language (menus are often in English: "oat milk", "no ice").
    """
    tables = [BY_CODE[language]] + ([EN] if language != "en" else [])
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(words):
        hit = _longest(words, i, tables)
        if hit is not None:
            length, pivot = hit
            source = " ".join(words[i:i + length])
            out.extend((word, source) for word in pivot.split())
            i += length
            continue
        word = words[i]
        plural = _plural(word, tables)
        if plural is not None:
            out.append((plural, word))  # "dobles": "doble" is in the table
            i += 1
            continue
        number = next((t.numbers[word] for t in tables if word in t.numbers), None)
        if number is None and len(word) > 1 and not is_filler(word, language):
            # "dos" in a sentence of drink names only: numbers of every language.
            number = next((t.numbers[word] for t in BY_CODE.values() if word in t.numbers), None)
        times = _TIMES.fullmatch(word)  # "2x", "x2"
        if times:
            number = int(times.group(1) or times.group(2))
        out.append((str(number) if number is not None else word, word))
        i += 1
    return out


_MAX_PHRASE = 4
_TIMES = re.compile(r"(\d{1,4})x?|x(\d{1,4})")


def _longest(words: list[str], i: int, tables: list[Language]) -> tuple[int, str] | None:
    for length in range(min(_MAX_PHRASE, len(words) - i), 0, -1):
        phrase = " ".join(words[i:i + length])
        for table in tables:
            if phrase in table.phrases:
                return length, table.phrases[phrase]
    return None


def _plural(word: str, tables: list[Language]) -> str | None:
    if len(word) <= 4 or not word.endswith("s"):
        return None
    for stem in (word[:-1], word[:-2]):
        pivot = next((t.phrases[stem] for t in tables if stem in t.phrases), None)
        if pivot is not None and " " not in pivot:
            return pivot
    return None


def is_filler(word: str, language: str) -> bool:
    return word in BY_CODE[language].fillers or word in EN.fillers
