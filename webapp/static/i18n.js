/* bar: the page's language and its words.
 *
 * One JSON catalog per language, fetched once, before any module that imports this one
 * runs (top-level await): `t(key, params)` is synchronous everywhere. The guest page's
 * catalogs are static/i18n/<lang>.json; another page names its own on <html>:
 * `data-catalog="tablet"` reads static/i18n/tablet/<lang>.json.
 *
 * The language is the one chosen on this device (the switcher, kept in localStorage),
 * else `?lang=`, else the first of the device's languages we speak, else English. A TV
 * board (`data-language="served"`) speaks the `<html lang>` the server chose instead
 * (`?lang=`, else the host's `bar.language`) and remembers nothing: it is the room's
 * screen, not a person's. Requests carry the language (X-Bar-Language) so the server's
 * messages match the page.
 */

export const LANGUAGES = Object.freeze({ en: 'English', pt: 'Português', fr: 'Français', de: 'Deutsch', es: 'Español' });
const DEFAULT = 'en';
const STORED = 'bar.language';
const ROOT = document.documentElement;
const CATALOGS = ROOT.dataset.catalog ? `/static/i18n/${ROOT.dataset.catalog}` : '/static/i18n';
const SERVED = ROOT.dataset.language === 'served';

function primary(tag) {
  const code = String(tag || '').toLowerCase().split(/[-_]/)[0];
  return Object.hasOwn(LANGUAGES, code) ? code : '';
}

function stored() {
  try {
    return localStorage.getItem(STORED) || '';
  } catch (e) {
    return '';  // storage off (private mode): the phone's language, every time
  }
}

function pick() {
  if (SERVED) return primary(ROOT.lang) || DEFAULT;
  const asked = [stored(), new URLSearchParams(location.search).get('lang'), ...(navigator.languages || [navigator.language])];
  for (const tag of asked) {
    const code = primary(tag);
    if (code) return code;
  }
  return DEFAULT;
}

async function load(code) {
  const res = await fetch(`${CATALOGS}/${code}.json`, { credentials: 'same-origin' });
  if (!res.ok) throw new Error(`no catalog for ${code}`);
  return res.json();
}

export const language = pick();
let messages;
try {
  messages = await load(language);
} catch (e) {
  messages = language === DEFAULT ? {} : await load(DEFAULT).catch(() => ({}));
}
ROOT.lang = language;

/** The text of `key`, its `{name}` placeholders filled from `params`. */
export function t(key, params = {}) {
  const text = Object.hasOwn(messages, key) ? messages[key] : key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (Object.hasOwn(params, name) ? String(params[name]) : whole));
}

/**
 * `key`'s text as a list of strings and nodes, for `replaceChildren`: a placeholder whose
 * param is a Node (a name in its own <span>) goes in as that node, so a sentence keeps
 * its language's word order and guest-typed text stays text.
 */
export function tNodes(key, params = {}) {
  const text = Object.hasOwn(messages, key) ? messages[key] : key;
  return text.split(/(\{\w+\})/).filter(Boolean).map((part) => {
    const name = /^\{(\w+)\}$/.exec(part)?.[1];
    if (!name || !Object.hasOwn(params, name)) return part;
    return params[name] instanceof Node ? params[name] : String(params[name]);
  });
}

/**
 * The menu's own text for one of a drink's fields in this page's language (`key`:
 * "name", "description", "category", or "word:big cube" for an option or ingredient,
 * from the drink's `translations`, bar/menu_languages.py), or null where it has none.
 */
export function menuText(drink, key) {
  const all = drink && drink.translations;
  const own = all && typeof all === 'object' ? all[language] : null;
  const text = own && typeof own === 'object' ? own[key] : null;
  return typeof text === 'string' && text ? text : null;
}

/** Translate the page's fixed text: `data-i18n` (the text), `data-i18n-<attribute>`. */
export function translatePage(root = document) {
  for (const node of root.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const attribute of ['placeholder', 'aria-label', 'title', 'alt']) {
    const data = `data-i18n-${attribute}`;
    for (const node of root.querySelectorAll(`[${data}]`)) node.setAttribute(attribute, t(node.getAttribute(data)));
  }
}

/** Remember `code` on this phone and show the page in it. */
export function chooseLanguage(code) {
  if (!primary(code) || code === language) return;
  try {
    localStorage.setItem(STORED, code);
  } catch (e) {
    // Not kept: the address carries it for this visit.
    const url = new URL(location.href);
    url.searchParams.set('lang', code);
    location.replace(url);
    return;
  }
  location.reload();
}

/** A <select> of the languages (EN, PT, …), showing this one; choosing reloads the page in it. */
export function setupLanguageSwitcher(select) {
  select.replaceChildren(...Object.entries(LANGUAGES).map(([code, name]) => {
    const option = document.createElement('option');
    option.value = code;
    // The code fits beside the bar's name on a small phone; the name is each option's
    // title, in its own language (as `lang` says), for whoever does not read codes.
    option.textContent = code.toUpperCase();
    option.title = name;
    option.lang = code;
    option.selected = code === language;
    return option;
  }));
  select.addEventListener('change', () => chooseLanguage(select.value));
}
