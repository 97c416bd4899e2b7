/* bar: the barista view on a tablet (/barista).
 *
 * The kiosk's queue in a browser: Pending / Preparing / Ready, and the same moves
 * (claim, unclaim, ready, served, cancel with a reason) through the admin API.
 * Sign-in and API calls are barista-session.js (any 401 goes back to the form);
 * open/closed and stock are barista-bar.js. The token also goes in the socket's first
 * message, never in a URL.
 *
 * Live over the `admin` and `config` channels (live.js does connect, heartbeat,
 * backoff and `since`); every (re)subscribe and every "resync" reloads the queue over
 * REST. Guest text (names, notes) is only ever set with textContent.
 *
 * With ?station=coffee it is that station's queue (bar.toml's [[stations]]): its
 * orders, its channel `admin/coffee`, its switch. Without it, at a bar of several
 * stations, each card names its station.
 *
 * In the barista's language (i18n.js: the switcher's choice, ?lang=, the device's),
 * words from static/i18n/tablet/. Drink names are the menu's in that language where it has
 * them (see `drinkName`).
 */

import { create as createBar } from './barista-bar.js';
import { create as createSession } from './barista-session.js';
import { $, el, ts } from './common.js';
import { language, menuText, setupLanguageSwitcher, t, tNodes, translatePage } from './i18n.js';
import { create as createLive } from './live.js';
import { isOlder, OPEN } from './status.js';

const AGE_TICK = 2000; // as often as the kiosk's
const MAX_BATCHES = 3;
const MAX_PAGES = 100; // of the API's 100 orders each: far past any queue
const TOKEN_ERRORS = new Set(['token_expired', 'token_invalid', 'signed_out']);
const STATION = new URLSearchParams(location.search).get('station') || '';
const ORDERS_CHANNEL = STATION ? `admin/${STATION}` : 'admin';

const state = {
  orders: new Map(), // order_id -> order (as the API returns it)
  touched: new Map(), // order_id -> sequence of its last update
  seq: 0,
  busy: new Set(), // order ids with a request on its way
  nodes: new Map(), // order_id -> {key, node}
  waits: { fresh_s: 120, late_s: 300 }, // replaced by the server's rule on first load
  skew: 0, // server clock minus this tablet's
  cancelling: null,
  pollTimer: null,
  places: new Map(), // station id -> name, on a queue of several stations
  drinks: new Map(), // drink id -> the drink as the menu has it, with its translations
};

const session = createSession({ onSignedIn, onSignedOut });
const bar = createBar(session, STATION);
const { api, failed, toast } = session;

// ------------------------------------------------------------ the queue

/** Upsert one order unless what we hold is newer; orders that left the queue go. */
function applyOrder(order) {
  if (!order || !order.order_id) return;
  const prev = state.orders.get(order.order_id);
  if (prev && isOlder(order, prev)) return;
  state.touched.set(order.order_id, ++state.seq);
  if (OPEN.includes(order.status)) state.orders.set(order.order_id, order);
  else state.orders.delete(order.order_id);
}

/** Every open order: the API lists them a page at a time, so follow `next` to the end.
 * Returns the first page's answer (its `now` and `waits`) with all the orders, and
 * whether the list is complete (a runaway `next` stops after MAX_PAGES). */
async function openOrders() {
  const where = STATION ? `&station=${encodeURIComponent(STATION)}` : '';
  const first = await api(`/api/admin/orders?status=${OPEN.join(',')}${where}`);
  const all = [...(first.orders || [])];
  let next = first.next;
  for (let pages = 1; next && pages < MAX_PAGES; pages++) {
    const page = await api(next);
    all.push(...(page.orders || []));
    next = page.next;
  }
  return { ...first, orders: all, complete: !next };
}

async function reload() {
  const before = state.seq;
  let data;
  let menu;
  try {
    [data, menu] = await Promise.all([
      openOrders(),
      fetch('/api/menu', { cache: 'no-store', headers: { 'X-Bar-Language': language } }).then((r) => (r.ok ? r.json() : null)),
    ]);
  } catch (e) {
    failed(e, t('error.loading_queue'));
    return;
  }
  if (!session.token) return; // signed out while it loaded
  const serverNow = ts(data.now);
  if (serverNow) state.skew = serverNow - Date.now();
  if (data.waits) state.waits = data.waits;
  const listed = new Set();
  for (const order of data.orders) {
    listed.add(order.order_id);
    applyOrder(order);
  }
  // Gone from the server's list (served, cancelled, expired) unless a live event
  // touched it while this request was on its way. Only a complete list says "gone".
  for (const id of [...state.orders.keys()]) {
    if (data.complete && !listed.has(id) && (state.touched.get(id) || 0) <= before) {
      state.orders.delete(id);
    }
  }
  const stations = (menu && menu.bar && menu.bar.stations) || [];
  state.places = new Map(!STATION && stations.length > 1 ? stations.map((s) => [s.id, s.name]) : []);
  state.drinks = new Map();
  for (const drink of (menu && menu.drinks) || []) learnDrink(drink);
  bar.load(menu);
  render();
}

/** Keep `drink` (a menu's, or a live MENU_CHANGED's) for its words in the tablet's language. */
function learnDrink(drink) {
  if (drink && typeof drink.id === 'string') state.drinks.set(drink.id, drink);
}

function column(status) {
  return [...state.orders.values()]
    .filter((o) => o.status === status)
    .sort((a, b) => ts(a.created_at) - ts(b.created_at) || a.number - b.number);
}

function ageOf(order) {
  return Math.max(0, Math.floor((Date.now() + state.skew - ts(order.created_at)) / 1000));
}

/** "45 s", "3 min", "1 h 05": the kiosk's short wait, in the tablet's words. */
function ageText(seconds) {
  if (seconds < 60) return t('age.seconds', { count: seconds });
  if (seconds < 3600) return t('age.minutes', { count: Math.floor(seconds / 60) });
  const minutes = String(Math.floor((seconds % 3600) / 60)).padStart(2, '0');
  return t('age.hours', { hours: Math.floor(seconds / 3600), minutes });
}

/** The one place the tablet names a drink: the menu's name for it in the tablet's
 * language, else the name the order was made under (the core's, as receipts say). */
function drinkName(order) {
  return menuText(state.drinks.get(order.drink_id), 'name') || order.drink_name || '';
}

function waitLevel(seconds) {
  if (seconds < state.waits.fresh_s) return 'fresh';
  return seconds < state.waits.late_s ? 'waiting' : 'late';
}

/** An option as the tablet reads it: the menu's word in its language, else as written. */
function menuWord(order, word) {
  return menuText(state.drinks.get(order.drink_id), `word:${word}`) || word;
}

function modifiersText(order) {
  return Object.entries(order.modifiers || {})
    .map(([k, v]) => `${menuWord(order, k)}: ${menuWord(order, v)}`).join(', ');
}

const ACTIONS = {
  pending: [['claim', t('action.claim'), 'primary']],
  preparing: [['ready', t('action.ready'), 'primary'], ['unclaim', t('action.unclaim'), 'secondary']],
  ready: [['served', t('action.served'), 'primary']],
};

function card(order) {
  const li = el('li', 'order-card');
  li.dataset.id = order.order_id;
  li.dataset.number = String(order.number);
  li.dataset.status = order.status;
  const head = el('div', 'card-head');
  head.append(el('span', 'card-number', `#${order.number}`), el('span', { class: 'card-name', dir: 'auto', text: order.username }),
    el('span', 'card-age'));
  li.append(head, el('p', 'card-drink', drinkName(order)));
  const place = state.places.get(order.station);
  if (place) li.append(el('p', 'card-place', place));
  const mods = modifiersText(order);
  if (mods) li.append(el('p', 'card-mods', mods));
  if (order.note) li.append(el('p', 'card-note', `“${order.note}”`));
  if (order.status === 'preparing' && order.barista) li.append(el('p', 'card-barista', t('card.claimed_by', { name: order.barista })));
  const actions = el('div', 'card-actions');
  for (const [action, label, kind] of ACTIONS[order.status] || []) {
    const button = el('button', `button ${kind}`, label);
    button.type = 'button';
    button.dataset.action = action;
    actions.append(button);
  }
  const cancel = el('button', 'button cancel-action', t('action.cancel'));
  cancel.type = 'button';
  cancel.dataset.action = 'cancel';
  actions.append(cancel);
  li.append(actions);
  if (state.busy.has(order.order_id)) {
    li.classList.add('busy');
    for (const b of li.querySelectorAll('button')) b.disabled = true;
  }
  updateAge(li, order);
  return li;
}

function updateAge(li, order) {
  const seconds = ageOf(order);
  const age = li.querySelector('.card-age');
  age.textContent = ageText(seconds);
  li.dataset.wait = waitLevel(seconds);
}

function render() {
  for (const status of OPEN) {
    const orders = column(status);
    $(`#count-${status}`).textContent = String(orders.length);
    const nodes = orders.map((order) => {
      // Keep a card's node while it shows the same thing: a tap on it is not lost
      // to a redraw caused by another order.
      const key = JSON.stringify([order.updated_at, order.status, order.barista, state.busy.has(order.order_id), drinkName(order), modifiersText(order)]);
      const kept = state.nodes.get(order.order_id);
      if (kept && kept.key === key) return kept.node;
      const node = card(order);
      state.nodes.set(order.order_id, { key, node });
      return node;
    });
    const list = $(`#column-${status}`);
    const same = list.children.length === nodes.length && nodes.every((n, i) => list.children[i] === n);
    if (!same) list.replaceChildren(...(nodes.length ? nodes : [el('li', 'column-empty', t('column.empty'))]));
  }
  for (const id of [...state.nodes.keys()]) if (!state.orders.has(id)) state.nodes.delete(id);
  renderBatches(column('pending'));
  tickAges();
}

function tickAges() {
  for (const li of document.querySelectorAll('.order-card[data-id]')) {
    const order = state.orders.get(li.dataset.id);
    if (order) updateAge(li, order);
  }
}

/** "2× Negroni (big cube)": identical pending drinks a barista can make together. */
function renderBatches(pending) {
  const groups = new Map();
  for (const order of pending) {
    const key = JSON.stringify([order.drink_id, Object.entries(order.modifiers || {})]);
    const group = groups.get(key) || { count: 0, order };
    group.count += 1;
    groups.set(key, group);
  }
  const batches = [...groups.values()].filter((g) => g.count >= 2).sort((a, b) => b.count - a.count);
  const items = batches.slice(0, MAX_BATCHES).map(({ count, order }) => {
    const values = Object.values(order.modifiers || {}).map((v) => menuWord(order, v));
    const li = el('li', 'batch');
    li.append(el('strong', 'batch-count', `${count}×`), document.createTextNode(` ${drinkName(order)}`));
    if (values.length) li.append(el('span', 'batch-mods', ` (${values.join(', ')})`));
    return li;
  });
  if (batches.length > MAX_BATCHES) items.push(el('li', 'batch more', t('batches.more', { count: batches.length - MAX_BATCHES })));
  const list = $('#batches');
  list.replaceChildren(...items);
  list.hidden = !items.length;
}

// ------------------------------------------------------------ moves

const TARGET = { claim: 'preparing', unclaim: 'pending', ready: 'ready', served: 'served' };

async function move(order, status, reason) {
  state.busy.add(order.order_id);
  render();
  try {
    const body = reason ? { status, reason } : { status };
    const data = await api(`/api/admin/orders/${encodeURIComponent(order.order_id)}/status`, { method: 'POST', body });
    applyOrder(data.order);
    return true;
  } catch (e) {
    failed(e, `#${order.number}`);
    // Another barista may have moved it first: show the queue as it is.
    if (e.status === 409 || e.status === 404) reload();
    return false;
  } finally {
    state.busy.delete(order.order_id);
    render();
  }
}

function onColumnClick(event) {
  const button = event.target.closest('button[data-action]');
  const li = button && button.closest('.order-card');
  const order = li && state.orders.get(li.dataset.id);
  if (!order || button.disabled) return;
  if (button.dataset.action === 'cancel') openCancel(order);
  else move(order, TARGET[button.dataset.action]);
}

function openCancel(order) {
  state.cancelling = order.order_id;
  const q = $('#cancel-question');
  q.replaceChildren(...tNodes('cancel.question', {
    order: el('strong', '', `#${order.number} ${drinkName(order)}`),
    guest: el('bdi', 'cancel-guest', order.username),
  }));
  $('#cancel-reason').value = '';
  showCancelError('');
  $('#cancel-dialog').showModal();
  $('#cancel-reason').focus();
}

function showCancelError(message) {
  const err = $('#cancel-error');
  err.textContent = message;
  err.hidden = !message;
}

async function submitCancel(event) {
  event.preventDefault();
  const order = state.orders.get(state.cancelling);
  const reason = $('#cancel-reason').value.trim();
  if (!order) {
    $('#cancel-dialog').close();
    toast(t('cancel.gone'));
    return;
  }
  if (!reason) {
    showCancelError(t('cancel.need_reason'));
    return;
  }
  $('#cancel-dialog').close();
  await move(order, 'cancelled', reasonToSend(reason));
}

/** A chip's label is in the tablet's language; what goes to the guest is its English
 * template (`data-reason`), which the guest's page translates. Typed words go as typed. */
function reasonToSend(reason) {
  const chip = [...document.querySelectorAll('.chip-button')].find((c) => c.textContent.trim() === reason);
  return chip ? chip.dataset.reason : reason;
}

// ------------------------------------------------------------ live

function setLive(mode) {
  const ind = $('#live-indicator');
  ind.dataset.state = mode;
  ind.textContent = mode === 'live' ? t('live.live') : mode === 'connecting' ? t('live.connecting') : t('live.offline');
}

let authed = false; // has this socket's token been accepted?
const live = createLive({
  canConnect: () => Boolean(session.token),
  onOpen: (ws) => {
    authed = false;
    ws.send(JSON.stringify({ type: 'auth', token: session.token }));
  },
  onMessage,
  onStateChange: setLive,
});

function onMessage(msg, ws) {
  switch (msg.type) {
    case 'auth_ok':
      authed = true;
      live.subscribe(ws, [ORDERS_CHANNEL, 'config']);
      break;
    case 'subscribed': // a (re)connect: whatever `since` replays, the REST list is the truth
    case 'resync':
      reload();
      break;
    case 'event': {
      const ev = msg.event || {};
      if (msg.channel === ORDERS_CHANNEL && ev.order_id) {
        applyOrder(ev);
        render();
      } else if (msg.channel === 'config') {
        if (ev.type === 'MENU_CHANGED' && ev.drink) {
          learnDrink(ev.drink);
          render();
        }
        bar.onEvent(ev);
      }
      break;
    }
    case 'error':
      // A refused token (or one that expired while open): the server closes the
      // socket next. Back to the form rather than reconnecting with it.
      if (!authed || TOKEN_ERRORS.has(msg.code)) session.expired();
      break;
    default:
      break;
  }
}

// While the socket is down, keep the queue roughly right over REST.
function pollWhileOffline() {
  clearTimeout(state.pollTimer);
  state.pollTimer = setTimeout(async () => {
    if (!session.token) return;
    if (!live.isOpen()) await reload();
    pollWhileOffline();
  }, 15000);
}

// ------------------------------------------------------------ start

function onSignedIn() {
  reload();
  live.connect();
  pollWhileOffline();
}

/** Forget everything the token showed (another barista may sign in next). */
function onSignedOut() {
  live.close();
  live.lastEventId = null;
  clearTimeout(state.pollTimer);
  state.orders.clear();
  state.touched.clear();
  state.nodes.clear();
  state.busy.clear();
  for (const status of OPEN) $(`#column-${status}`).replaceChildren();
  $('#batches').hidden = true;
}

$('#queue-view').addEventListener('click', onColumnClick);
$('#cancel-form').addEventListener('submit', submitCancel);
$('#cancel-keep').addEventListener('click', () => $('#cancel-dialog').close());
for (const chip of document.querySelectorAll('.chip-button')) {
  chip.addEventListener('click', () => {
    $('#cancel-reason').value = chip.textContent.trim();
    showCancelError('');
  });
}
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && session.token && !live.isOpen()) live.connect();
});
window.addEventListener('online', () => live.connect());
setInterval(tickAges, AGE_TICK);

translatePage();
setupLanguageSwitcher($('#language'));
session.start();
