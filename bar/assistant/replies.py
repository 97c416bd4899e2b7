"""What the bartender says, in the guest's language (`bar.assistant.lexicon.LANGUAGES`).

Replies are plain text; the page shows them with textContent. Drink names and the
guest's own words are put in as they are (the page escapes nothing twice).
"""

from __future__ import annotations

from bar.assistant.lexicon import LANGUAGES

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "draft": "Here is your order: {items}. Check it and confirm below.",
        "nothing": "Sorry, I didn't catch a drink there. Try “two negronis, one with crushed ice”.",
        "unknown": "I couldn't find “{what}” on the menu.",
        "did_you_mean": "Did you mean {name}?",
        "out_of_stock": "{name} is out of stock right now.",
        "no_option": "{name} has no “{what}” option.",
        "category": "Which {what}: {names}?",
        "too_many": "At most {max} of one drink at a time.",
        "suggest": "You might like: {names}.",
        "no_fit": "Nothing on the menu fits that right now.",
        "fallback": "(The local model did not answer, so the built-in parser did.)",
        "again": "you've had it {n} times", "before": "you had it before",
        "popular": "popular tonight", "quick": "quick to make while the line is long",
        "surprise": "a surprise pick", "with": "with {what}", "and": "and", "or": "or",
        "sweet": "sweet", "sour": "sour", "bitter": "bitter", "strong": "strong",
        "fruity": "fruity", "refreshing": "refreshing", "creamy": "creamy",
        "alcoholfree": "alcohol-free",
    },
    "pt": {
        "draft": "Aqui está o seu pedido: {items}. Confira e confirme abaixo.",
        "nothing": "Desculpe, não percebi a bebida. Experimente “dois negronis, um com gelo picado”.",
        "unknown": "Não encontrei “{what}” no menu.",
        "did_you_mean": "Queria dizer {name}?",
        "out_of_stock": "{name} esgotou de momento.",
        "no_option": "{name} não tem a opção “{what}”.",
        "category": "Qual {what}: {names}?",
        "too_many": "No máximo {max} de cada bebida de uma vez.",
        "suggest": "Talvez goste de: {names}.",
        "no_fit": "Nada no menu corresponde a isso agora.",
        "fallback": "(O modelo local não respondeu; respondeu o analisador incorporado.)",
        "again": "já pediu {n} vezes", "before": "já pediu antes",
        "popular": "popular esta noite", "quick": "rápido de fazer com a fila longa",
        "surprise": "uma surpresa", "with": "com {what}", "and": "e", "or": "ou",
        "sweet": "doce", "sour": "ácido", "bitter": "amargo", "strong": "forte",
        "fruity": "frutado", "refreshing": "refrescante", "creamy": "cremoso",
        "alcoholfree": "sem álcool",
    },
    "fr": {
        "draft": "Voici votre commande : {items}. Vérifiez et confirmez ci-dessous.",
        "nothing": "Désolé, je n'ai pas compris la boisson. Essayez « deux negronis, un avec glace pilée ».",
        "unknown": "Je n'ai pas trouvé « {what} » sur la carte.",
        "did_you_mean": "Vouliez-vous dire {name} ?",
        "out_of_stock": "{name} n'est plus disponible pour le moment.",
        "no_option": "{name} n'a pas d'option « {what} ».",
        "category": "Quel {what} : {names} ?",
        "too_many": "Au plus {max} d'une même boisson à la fois.",
        "suggest": "Vous aimerez peut-être : {names}.",
        "no_fit": "Rien sur la carte ne correspond pour l'instant.",
        "fallback": "(Le modèle local n'a pas répondu ; l'analyseur intégré a répondu.)",
        "again": "vous l'avez pris {n} fois", "before": "vous l'avez déjà pris",
        "popular": "populaire ce soir", "quick": "rapide à préparer, la file est longue",
        "surprise": "une surprise", "with": "avec {what}", "and": "et", "or": "ou",
        "sweet": "doux", "sour": "acidulé", "bitter": "amer", "strong": "fort",
        "fruity": "fruité", "refreshing": "rafraîchissant", "creamy": "crémeux",
        "alcoholfree": "sans alcool",
    },
    "de": {
        "draft": "Hier ist Ihre Bestellung: {items}. Bitte prüfen und unten bestätigen.",
        "nothing": (
            "Entschuldigung, ich habe kein Getränk erkannt. "
            "Versuchen Sie „zwei Negronis, einen mit Crushed Ice“."
        ),
        "unknown": "„{what}“ habe ich nicht auf der Karte gefunden.",
        "did_you_mean": "Meinten Sie {name}?",
        "out_of_stock": "{name} ist gerade aus.",
        "no_option": "{name} gibt es nicht mit „{what}“.",
        "category": "Welchen {what}: {names}?",
        "too_many": "Höchstens {max} von einem Getränk auf einmal.",
        "suggest": "Vielleicht mögen Sie: {names}.",
        "no_fit": "Gerade passt nichts auf der Karte dazu.",
        "fallback": "(Das lokale Modell hat nicht geantwortet; der eingebaute Parser schon.)",
        "again": "schon {n}-mal bestellt", "before": "schon einmal bestellt",
        "popular": "heute Abend beliebt", "quick": "schnell gemacht, die Schlange ist lang",
        "surprise": "eine Überraschung", "with": "mit {what}", "and": "und", "or": "oder",
        "sweet": "süß", "sour": "sauer", "bitter": "bitter", "strong": "stark",
        "fruity": "fruchtig", "refreshing": "erfrischend", "creamy": "cremig",
        "alcoholfree": "alkoholfrei",
    },
    "es": {
        "draft": "Aquí está tu pedido: {items}. Revísalo y confírmalo abajo.",
        "nothing": "Perdona, no he entendido la bebida. Prueba «dos negronis, uno con hielo picado».",
        "unknown": "No he encontrado «{what}» en la carta.",
        "did_you_mean": "¿Querías decir {name}?",
        "out_of_stock": "{name} está agotado ahora mismo.",
        "no_option": "{name} no tiene la opción «{what}».",
        "category": "¿Qué {what}: {names}?",
        "too_many": "Como mucho {max} de una bebida a la vez.",
        "suggest": "Quizá te guste: {names}.",
        "no_fit": "Ahora mismo nada de la carta encaja.",
        "fallback": "(El modelo local no respondió; respondió el analizador integrado.)",
        "again": "lo has pedido {n} veces", "before": "ya lo pediste",
        "popular": "popular esta noche", "quick": "rápido de preparar con la cola larga",
        "surprise": "una sorpresa", "with": "con {what}", "and": "y", "or": "o",
        "sweet": "dulce", "sour": "ácido", "bitter": "amargo", "strong": "fuerte",
        "fruity": "afrutado", "refreshing": "refrescante", "creamy": "cremoso",
        "alcoholfree": "sin alcohol",
    },
}
assert all(set(TEXTS[code]) == set(TEXTS["en"]) for code in LANGUAGES)


def say(language: str, key: str, **values: object) -> str:
    return TEXTS.get(language, TEXTS["en"])[key].format(**values)


def listing(language: str, parts: list[str], *, last: str = "and") -> str:
    """"a, b and c" in the guest's language."""
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} {say(language, last)} {parts[-1]}"
