/* bar, guest page: the bar (open or closed, its queue full or not, party or pop-up) and
 * its menu. */

import { t } from '../i18n.js';
import { $, el } from '../common.js';
import { api } from './api.js';
import { formatPrice } from './format.js';
import { openSheet, updateSheetAvailability } from './sheet.js';
import { emit, localized, menuWord, orderingPaused, state, stationPaused } from './state.js';
import { scanCode } from './store.js';
import { toast } from './views.js';

export async function loadMenu() {
  const data = await api('GET', '/api/menu');
  const bar = data.bar || {};
  state.bar = {
    name: bar.name || 'Bar',
    is_open: bar.is_open !== false,
    queue_full: bar.queue_full === true,
    mode: bar.mode === 'popup' ? 'popup' : 'party',
    currency: typeof bar.currency === 'string' ? bar.currency : '',
  };
  const stations = Array.isArray(bar.stations) ? bar.stations : [];
  state.stations = new Map(stations.map((s) => [s.id, {
    id: s.id, name: s.name || s.id, is_open: s.is_open !== false, queue_full: s.queue_full === true,
  }]));
  // In the page's language already (the request says it: X-Bar-Language).
  state.drinks = Array.isArray(data.drinks) ? data.drinks : [];
  state.drinksById = new Map(state.drinks.map((d) => [d.id, d]));
  state.menuLoaded = true;
  renderBar();
  renderMenu();
}

/** What can be ordered changed (the bar, a station, a drink's stock): the order sheet
 * says so at once, and the bartender's draft (assistant.js, told through `emit`). */
function availabilityChanged() {
  updateSheetAvailability();
  emit('availability-changed');
}

export function renderBar() {
  $('#bar-name').textContent = state.bar.name;
  document.title = state.bar.name;
  $('#join-title').textContent = t('join.welcome_to', { bar: state.bar.name });
  $('#closed-banner').hidden = state.bar.is_open;
  // Said before a guest picks a drink: closed says it all; full, only while open.
  $('#full-banner').hidden = !state.bar.is_open || !state.bar.queue_full;
  document.body.classList.toggle('bar-closed', !state.bar.is_open);
  document.body.classList.toggle('ordering-paused', Boolean(orderingPaused()));
  $('#scan-banner').hidden = !(state.bar.mode === 'popup' && !scanCode());
  availabilityChanged();
}

/**
 * The bar opened or closed, or its queue filled up or has room again (`SHOP_STATUS_CHANGED`
 * on the public `config` channel). Redraws and says so only when something changed.
 */
export function applyShop(ev) {
  if (ev.station) {
    applyStation(ev);
    return;
  }
  const was = { is_open: state.bar.is_open, queue_full: state.bar.queue_full };
  if (typeof ev.is_open === 'boolean') state.bar.is_open = ev.is_open;
  if (typeof ev.queue_full === 'boolean') state.bar.queue_full = ev.queue_full;
  const { is_open: open, queue_full: full } = state.bar;
  if (was.is_open === open && was.queue_full === full) return;
  renderBar();
  renderMenu();
  if (was.is_open !== open) toast(open ? t('toast.open') : t('toast.closed'));
  else if (open && !full) toast(t('toast.room'));
}

/**
 * A drink changed live (`MENU_CHANGED` on the public `config` channel). Newer servers
 * send the drink as the menu shows it: added, edited, moved, photographed, retired (it
 * leaves the page) or restored, with its translations (shown in the page's language:
 * `localized`, as `/api/menu` would). An older event says only its stock.
 */
export function applyMenuChange(ev) {
  const drink = ev.drink && typeof ev.drink === 'object' ? localized(ev.drink) : null;
  if (drink && state.stations.size > 1) {
    // Which station makes a drink is the server's rule (bar.toml's [[stations]]): the
    // menu, cheap to ask again (a 304 when nothing changed), says where it goes now.
    loadMenu().catch(() => {});
    return true;
  }
  if (!drink) {
    const known = state.drinksById.get(ev.drink_id);
    if (!known || typeof ev.is_active !== 'boolean') return false;
    known.is_active = ev.is_active;
  } else if (drink.retired) {
    state.drinks = state.drinks.filter((d) => d.id !== drink.id);
  } else {
    const at = state.drinks.findIndex((d) => d.id === drink.id);
    if (at >= 0) state.drinks[at] = drink;
    else state.drinks.push(drink);
    state.drinks.sort((a, b) => (a.position ?? 0) - (b.position ?? 0) || String(a.name).localeCompare(String(b.name)));
  }
  state.drinksById = new Map(state.drinks.map((d) => [d.id, d]));
  renderMenu();
  availabilityChanged();
  return true;
}

// What the guest narrowed the menu to: taste chips (every one chosen must match) and
// the search box. Kept across redraws: a live change does not undo a guest's filter.
// `pick` is the bartender's pick for the chosen tastes (assistant.js asks for it).
const filter = { tags: new Set(), text: '' };
let pick = null; // {drink_id, reasons} or null

// Tags are the host's words (bar.toml); the tastes the bartender knows are shown in the
// guest's language, first and in this order, the host's other tags after them as written.
// Alcohol-free leads: for whoever is driving it is the one that matters, and on a small
// phone the row's last chips are off to the side.
const TASTE_LABELS = [
  [['no-alcohol', 'alcohol-free', 'alcoholfree', 'non-alcoholic', 'virgin'], () => t('taste.alcoholfree')],
  [['sweet'], () => t('taste.sweet')],
  [['sour'], () => t('taste.sour')],
  [['bitter'], () => t('taste.bitter')],
  [['strong'], () => t('taste.strong')],
  [['fruity'], () => t('taste.fruity')],
  [['refreshing'], () => t('taste.refreshing')],
  [['creamy'], () => t('taste.creamy')],
];

function tasteRank(tag) {
  const at = TASTE_LABELS.findIndex(([tags]) => tags.includes(String(tag).toLowerCase()));
  return at < 0 ? TASTE_LABELS.length : at;
}

/** A drink's tag as the guest reads it: a known taste in their language, else as the host wrote it. */
export function tasteLabel(tag) {
  const known = TASTE_LABELS[tasteRank(tag)];
  return known ? known[1]() : String(tag);
}

/** The tags the guest chose with the taste chips (the bartender suggests from them too). */
export function chosenTastes() {
  return [...filter.tags];
}

/** Mark the bartender's pick for the chosen tastes (null: none). */
export function showPick(suggestion) {
  pick = suggestion && filter.tags.size ? { drink_id: suggestion.drink_id, reasons: suggestion.reasons || [] } : null;
  renderMenu();
}

/** Whether `drink` is on the menu as the guest narrowed it (assistant.js picks among those). */
export function isShown(drink) {
  return Boolean(drink) && matches(drink);
}

function fold(text) {
  return String(text || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}

function matches(drink) {
  const tags = Array.isArray(drink.tags) ? drink.tags : [];
  for (const tag of filter.tags) if (!tags.includes(tag)) return false;
  if (!filter.text) return true;
  // Tags and ingredients as written and as the guest reads them: "doce" finds the sweet
  // drinks in Portuguese, "leite" the ones with milk.
  const ingredients = Array.isArray(drink.ingredients) ? drink.ingredients : [];
  const haystack = fold([drink.name, drink.description, drink.category, ...tags, ...tags.map(tasteLabel),
    ...ingredients, ...ingredients.map((i) => menuWord(drink, i))].join(' '));
  return fold(filter.text).split(/\s+/).every((word) => haystack.includes(word));
}

function renderFilters() {
  const tags = [...new Set(state.drinks.flatMap((d) => (Array.isArray(d.tags) ? d.tags : [])))]
    .sort((a, b) => tasteRank(a) - tasteRank(b) || String(a).localeCompare(String(b)));
  for (const tag of [...filter.tags]) if (!tags.includes(tag)) filter.tags.delete(tag);
  const chips = $('#taste-chips');
  const drawn = [...chips.children].map((chip) => chip.dataset.tag);
  if (drawn.join('\n') !== tags.join('\n')) {
    chips.replaceChildren(...tags.map(tasteChip));
  }
  // Pressed or not, in place: a guest tapping chips with a keyboard keeps their focus.
  for (const chip of chips.children) chip.setAttribute('aria-pressed', String(filter.tags.has(chip.dataset.tag)));
  chips.hidden = !tags.length;
  $('#menu-filters').hidden = state.drinks.length < 2;
}

function tasteChip(tag) {
  const chip = el('button', { type: 'button', class: 'chip taste', 'data-tag': tag, text: tasteLabel(tag) });
  chip.addEventListener('click', () => {
    if (filter.tags.has(tag)) filter.tags.delete(tag);
    else filter.tags.add(tag);
    tastesChanged();
  });
  return chip;
}

function tastesChanged() {
  pick = null; // the last pick was for other tastes; the bartender says again
  renderMenu();
  emit('tastes-changed', chosenTastes());
}

export function setupMenuFilters() {
  $('#menu-search').addEventListener('input', (e) => {
    filter.text = e.target.value.trim();
    renderMenu();
  });
}

/** One station's `SHOP_STATUS_CHANGED`: its drinks grey out or come back, the others stay. */
function applyStation(ev) {
  const station = state.stations.get(ev.station);
  if (!station) return;
  const was = { is_open: station.is_open, queue_full: station.queue_full };
  if (typeof ev.is_open === 'boolean') station.is_open = ev.is_open;
  if (typeof ev.queue_full === 'boolean') station.queue_full = ev.queue_full;
  if (was.is_open === station.is_open && was.queue_full === station.queue_full) return;
  renderMenu();
  availabilityChanged();
  if (was.is_open !== station.is_open) {
    toast(station.is_open ? t('toast.station_open', { station: station.name }) : t('toast.station_closed', { station: station.name }));
  } else if (station.is_open && !station.queue_full) {
    toast(t('toast.station_room', { station: station.name }));
  }
}

function categorySections(drinks, heading) {
  const groups = new Map();
  for (const drink of drinks) {
    const category = drink.category || t('menu.drinks');
    if (!groups.has(category)) groups.set(category, []);
    groups.get(category).push(drink);
  }
  const sections = [];
  for (const [category, inCategory] of groups) {
    const list = el('ul', { class: 'drinks' });
    for (const drink of inCategory) list.append(el('li', null, drinkCard(drink)));
    sections.push(el('section', { class: 'category' }, el(heading, { class: 'category-title', text: category }), list));
  }
  return sections;
}

/** The menu by category; at a bar of several stations, by station first (each saying
 * when it is closed or full: its drinks grey out, the others' stay). */
export function renderMenu() {
  const root = $('#menu');
  renderFilters();
  const shown = state.drinks.filter(matches);
  let sections;
  if (state.stations.size > 1) {
    sections = [];
    for (const station of state.stations.values()) {
      const drinks = shown.filter((d) => d.station === station.id);
      if (!drinks.length) continue;
      const paused = stationPaused(station.id);
      const title = el('h2', { class: 'station-title', text: station.name });
      if (paused) title.append(el('span', { class: 'chip chip-out', text: station.is_open ? t('chip.queue_full') : t('chip.closed') }));
      sections.push(el(
        'section',
        { class: `station${paused ? ' station-paused' : ''}`, 'data-station': station.id },
        title, ...categorySections(drinks, 'h3'),
      ));
    }
  } else {
    sections = categorySections(shown, 'h2');
  }
  if (!sections.length) {
    const filtered = state.drinks.length > 0;
    sections.push(el('p', { class: 'empty', text: filtered ? t('menu.no_match') : t('menu.empty') }));
  }
  root.replaceChildren(...sections);
}

/** A URL of this server (a drink's photo or placeholder), or null: nothing off-site. */
export function sameOrigin(url) {
  return typeof url === 'string' && /^\/[^/\\]/.test(url) ? url : null;
}

function drinkCard(drink) {
  const available = drink.is_active !== false;
  const card = el('button', {
    type: 'button',
    class: `drink card${available ? '' : ' unavailable'}`,
    'data-id': drink.id,
    'aria-haspopup': 'dialog',
  });
  card.disabled = !available || Boolean(orderingPaused(drink));
  const thumb = sameOrigin(drink.thumb);
  if (thumb) {
    card.append(el('img', {
      class: 'drink-thumb', src: thumb, alt: '', loading: 'lazy', decoding: 'async', width: 72, height: 72,
    }));
  }
  const body = el('span', { class: 'drink-body' });
  const head = el('span', { class: 'drink-head' }, el('span', { class: 'drink-name', text: drink.name }));
  const price = formatPrice(drink.price, state.bar.currency);
  if (!available) head.append(el('span', { class: 'chip chip-out', text: t('chip.out_of_stock') }));
  else if (price) head.append(el('span', { class: 'drink-price', text: price }));
  body.append(head);
  if (drink.description) body.append(el('span', { class: 'drink-description', text: drink.description }));
  const tags = Array.isArray(drink.tags) ? drink.tags : [];
  if (tags.length) {
    const chips = el('span', { class: 'tags' });
    for (const tag of tags) chips.append(el('span', { class: `chip tag tag-${String(tag).replace(/[^a-z0-9-]/gi, '')}`, text: tasteLabel(tag) }));
    body.append(chips);
  }
  if (pick && pick.drink_id === drink.id) {
    card.classList.add('picked');
    body.append(el('span', { class: 'pick' },
      el('strong', { class: 'pick-label', text: t('menu.pick') }),
      pick.reasons.length ? el('span', { class: 'pick-reasons', text: pick.reasons.join(' · ') }) : null));
  }
  card.append(body);
  card.addEventListener('click', () => openSheet(drink.id));
  return card;
}
