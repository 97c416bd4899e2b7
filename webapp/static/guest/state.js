/* bar, guest page: the page's state, one object every part reads and writes, and the
 * notices that something changed. */

import { menuText, t } from '../i18n.js';
import { KEYS, persistentSet, store } from './store.js';

export const state = {
  bar: { name: 'Bar', is_open: true, queue_full: false, mode: 'party' },
  stations: new Map(), // id -> {id, name, is_open, queue_full}: empty without [[stations]]
  drinks: [],
  drinksById: new Map(),
  menuLoaded: false,
  tokens: store.get(KEYS.tokens),
  user: store.get(KEYS.user),
  joinCode: null, // ?code= of this visit
  orders: new Map(), // order_id -> order
  touched: new Map(), // order_id -> sequence number of its last update
  seq: 0,
  ordersLoaded: false,
  sheet: null, // {drink, key, sending}
  authFailures: 0,
  refreshTimer: null,
  refreshing: null,
  seen: persistentSet(KEYS.seen, 200),
  dismissed: persistentSet(KEYS.dismissed, 100),
  acked: persistentSet(KEYS.acked, 200),
  toRead: new Set(),
  inbox: new Map(), // notification id -> {id, type, payload, created_at, read}
  readTimer: null,
  notifySyncTimer: null,
  estimateTimer: null,
  cancelConfirm: new Map(), // order_id -> timer
  spotlight: null, // the order_id shown highlighted on "My orders" for a moment
  tab: 'menu',
  started: false,
  everConnected: false,
};

// "Something changed" notices, from the parts below to the parts above that they must
// not import (that would be an import loop): app.js wires the listeners at boot.
//   'orders-changed': state.orders took an update or a reload, to show
//   'session-ended' (message): the server or another tab ended the session
//   'tastes-changed' (tags): the guest chose other taste chips (the bartender picks)
//   'availability-changed': the bar, a station or a drink's stock changed (the draft follows)
const listeners = new Map(); // topic -> [listener]

/** Call `listener(...args)` on every `emit(topic, ...args)`. */
export function on(topic, listener) {
  if (!listeners.has(topic)) listeners.set(topic, []);
  listeners.get(topic).push(listener);
}

/** Why nobody can order right now ('' when they can): the bar closed, or its queue full;
 * with a `drink`, also its station closed or its station's queue full. */
export function orderingPaused(drink) {
  if (!state.bar.is_open) return t('banner.closed');
  const reason = drink ? stationPaused(drink.station) : '';
  if (reason) return reason;
  if (state.bar.queue_full) return t('sheet.queue_full');
  return '';
}

/** Why a station takes no orders right now ('' when it does, or there is no such station). */
export function stationPaused(id) {
  const station = state.stations.get(id);
  if (!station) return '';
  if (!station.is_open) return t('station.closed', { station: station.name });
  if (station.queue_full) return t('station.full', { station: station.name });
  return '';
}

/** Where to pick up an order: "the Coffee corner" at a bar of several stations, else "the bar". */
export function pickupPlace(order) {
  const station = state.stations.get(order && order.station);
  return station && state.stations.size > 1 ? t('place.station', { station: station.name }) : t('place.bar');
}

/**
 * A drink as a guest reading this page's language sees it: the menu's translation of its
 * name, description and category where there is one, its own text otherwise. `/api/menu`
 * answers so already (bar.menu.localize); a live `MENU_CHANGED` carries every
 * language's (`translations`), and this picks ours.
 */
export function localized(drink) {
  const own = ['name', 'description', 'category'].map((key) => [key, menuText(drink, key)]).filter(([, text]) => text);
  return own.length ? { ...drink, ...Object.fromEntries(own) } : drink;
}

/**
 * An order's drink as the guest reads it: the menu's name for it in this page's
 * language when the menu has one, else the name it was ordered under (what the bar's
 * screens, the board and the receipts show).
 */
export function drinkName(order, fallback = '') {
  const drink = order && state.drinksById.get(order.drink_id);
  return menuText(drink, 'name') || (order && order.drink_name) || fallback;
}

/**
 * One of a drink's words (an option, its modifier's name, an ingredient: "ice", "big
 * cube", "milk") in this page's language: the menu's word for it
 * (`translations.pt["word:big cube"]`), else as the host wrote it. Only shown: an order
 * names the option as written, which is what the bar reads.
 */
export function menuWord(drink, word) {
  return menuText(drink, `word:${word}`) || word;
}

/** Tell the listeners of `topic`, at once, in the order they came. */
export function emit(topic, ...args) {
  for (const listener of listeners.get(topic) || []) listener(...args);
}
