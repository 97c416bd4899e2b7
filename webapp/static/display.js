/* bar: the TV board (/display).
 *
 * Public and anonymous: it subscribes to the `display`, `config` and `announcements`
 * channels, which carry order numbers, first names and statuses, the shop's state and
 * the host's messages. What it shows is the core's rule (bar/board.py), read from
 * GET /api/display on every (re)connect, when the server says "resync", after an
 * announcement and every half minute: In line (pending orders: as many as fit, then
 * "+N more"), Preparing and Ready (their type scaled to how many there are), the fresh
 * announcement, and at a party the invite's QR code and URL (only when the host leaves
 * `display.show_join_code` on: see bar/board.py for why an anonymous page may show it).
 *
 * With ?admin=1 a barista can sign in (POST /api/admin/login); the admin token is
 * kept for this tab (sessionStorage) under `bar.adminToken`, and the board then shows the pop-up
 * mode's rotating scan code: its QR (from /qr.svg), drinks left and a countdown.
 *
 * With ?station=coffee it is that station's board (bar.toml's [[stations]]): its
 * channel `display/coffee`, its tickets, open when the bar and the station are. Without
 * it, at a bar of several stations, each ticket says where to pick it up
 * ("#12 Maya — Coffee corner").
 *
 * It speaks the host's language (`bar.language`), or `?lang=`'s: i18n.js and the
 * catalogs in static/i18n/board/. A ticket shows a number and a first name, no drink:
 * only its tooltip names one, the core's name (see `drinkName`).
 *
 * Guest names and announcements are shown with textContent only; a name is set apart
 * (dir=auto), so one in Arabic or Hebrew reads right to left without moving its number.
 */

import { $, el, tabToken, ts } from './common.js';
import { t, translatePage } from './i18n.js';
import { submitAdminLogin } from './signin.js';
import { create as createLive } from './live.js';
import { isOlder } from './status.js';

const MAX_TICKETS = 14; // per column: bar/board.py's MAX_TICKETS
const ADMIN_KEY = 'bar.adminToken';
const OPEN = new Set(['pending', 'preparing', 'ready']);
const REREAD_EVERY = 30000; // an invite that runs out or is revoked announces nothing
const STATION = new URLSearchParams(location.search).get('station') || '';
const BOARD_CHANNEL = STATION ? `display/${STATION}` : 'display';

const state = {
  bar: { name: 'Bar', is_open: true, mode: 'party' },
  connection: 'connecting', // live.js: connecting | live | offline
  tickets: new Map(), // number -> {number, first_name, drink_name, status, updated_at}
  touched: new Map(), // number -> sequence of the last update
  fresh: new Map(), // number -> ms until which it flashes
  seq: 0,
  waitingBeyond: 0, // pending orders the server counted but did not list
  showJoinCode: true,
  places: new Map(), // station id -> name: where to pick up, on a board of every station
  stationName: '',  // ?station=: its name, beside the bar's
  rereadTimer: null,
  newsTimer: null,
  loaded: false,
};

// ------------------------------------------------------------ board

function applyBar(bar) {
  if (!bar) return;
  if (typeof bar.name === 'string' && bar.name) state.bar.name = bar.name;
  if (typeof bar.is_open === 'boolean') state.bar.is_open = bar.is_open;
  if (bar.mode) state.bar.mode = bar.mode;
  renderBar();
}

function renderBar() {
  const title = state.stationName ? `${state.bar.name} — ${state.stationName}` : state.bar.name;
  $('#bar-name').textContent = title;
  document.title = t('title', { bar: title });
  // Without its socket the board cannot know: a big green "Open" from minutes ago
  // would send guests to a bar whose server is gone.
  const offline = state.connection === 'offline';
  const status = $('#open-status');
  status.textContent = offline ? t('status.offline') : state.bar.is_open ? t('status.open') : t('status.closed');
  status.dataset.open = offline ? 'unknown' : String(state.bar.is_open);
  $('#offline-note').hidden = !offline;
  $('#closed-note').hidden = offline || state.bar.is_open;
}

function applyTicket(item, { live = false } = {}) {
  if (!item || item.number === undefined || item.number === null) return;
  const number = Number(item.number);
  const prev = state.tickets.get(number);
  if (prev && isOlder(item, prev)) return;
  state.tickets.set(number, Object.assign({}, prev || {}, item, { number }));
  state.touched.set(number, ++state.seq);
  if (live && item.status === 'ready' && (!prev || prev.status !== 'ready')) {
    state.fresh.set(number, Date.now() + 4000);
  }
  // An order the board never listed (past what the server sends of a long line):
  // the count of the rest is the server's to say.
  if (live && !prev && item.status !== 'pending' && state.waitingBeyond > 0) rereadSoon();
}

let rereading = null;
function rereadSoon() {
  if (!rereading) rereading = setTimeout(() => { rereading = null; resync(); }, 500);
}

async function resync() {
  const before = state.seq;
  let data;
  try {
    const query = STATION ? `?station=${encodeURIComponent(STATION)}` : '';
    const res = await fetch(`/api/display${query}`, { cache: 'no-store', headers: { Accept: 'application/json' } });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    data = await res.json();
  } catch (e) {
    return false;
  }
  const stations = (data.bar && Array.isArray(data.bar.stations)) ? data.bar.stations : [];
  state.places = new Map(stations.length > 1 ? stations.map((s) => [s.id, s.name]) : []);
  state.stationName = STATION ? (stations.find((s) => s.id === STATION) || {}).name || STATION : '';
  applyBar(data.bar);
  const seen = new Set();
  for (const item of [...(data.waiting || []), ...(data.preparing || []), ...(data.ready || [])]) {
    seen.add(Number(item.number));
    applyTicket(item);
  }
  // What the server no longer lists has left the boards (served, cancelled, expired),
  // unless a live event touched it while this request was on its way.
  for (const number of [...state.tickets.keys()]) {
    if (!seen.has(number) && (state.touched.get(number) || 0) <= before) {
      state.tickets.delete(number);
      state.touched.delete(number);
    }
  }
  state.waitingBeyond = Math.max(0, Number(data.waiting_count || 0) - (data.waiting || []).length);
  state.showJoinCode = data.show_join_code !== false;
  showNews(data.announcement);
  showInvite(data.invite);
  state.loaded = true;
  render();
  return true;
}

function render() {
  const now = Date.now();
  for (const [number, until] of state.fresh) if (until <= now) state.fresh.delete(number);
  const all = [...state.tickets.values()];
  const byNumber = (a, b) => a.number - b.number;
  const waiting = all.filter((ticket) => ticket.status === 'pending').sort(byNumber);
  const preparing = all.filter((ticket) => ticket.status === 'preparing').sort(byNumber);
  const ready = all
    .filter((ticket) => ticket.status === 'ready')
    .sort((a, b) => ts(b.updated_at) - ts(a.updated_at) || b.number - a.number);
  fillLine(waiting, waiting.length + state.waitingBeyond);
  fill('preparing', preparing, t('board.preparing_empty'));
  fill('ready', ready, t('board.ready_empty'));
  // Forget what has left the boards, so the map doesn't grow all night.
  for (const [number, ticket] of state.tickets) {
    if (!OPEN.has(ticket.status) && (state.touched.get(number) || 0) < state.seq - 500) {
      state.tickets.delete(number);
      state.touched.delete(number);
    }
  }
}

function ticketItem(ticket, className) {
  const li = el('li', className);
  li.dataset.number = String(ticket.number);
  li.dataset.status = ticket.status;
  li.append(el('span', 'ticket-number', ticket.number), el('span', { class: 'ticket-name', dir: 'auto', text: ticket.first_name || '' }));
  const place = !STATION && ticket.station ? state.places.get(ticket.station) : '';
  if (place) {
    li.dataset.station = ticket.station;
    li.append(el('span', 'ticket-place', `— ${place}`));
  }
  li.title = drinkName(ticket);
  return li;
}

/** The one place the board names a drink (a tooltip, which a TV never shows): the name
 * its `display` event carried, the core's, not translated. */
function drinkName(ticket) {
  return ticket.drink_name || '';
}

/** Preparing or Ready: the fewer the tickets, the bigger their type (board.css). */
function fill(board, items, emptyText) {
  const list = $(`#${board}-board`);
  const now = Date.now();
  const shown = items.slice(0, MAX_TICKETS).map((ticket) => {
    const li = ticketItem(ticket, 'ticket');
    if ((state.fresh.get(ticket.number) || 0) > now) li.classList.add('fresh');
    return li;
  });
  // One to three tickets share the column's height, each called out big (the name under
  // the number); more, a line each, up to seven a column, then two columns.
  const few = shown.length <= 3;
  const cols = shown.length > MAX_TICKETS / 2 ? 2 : 1;
  const rows = Math.max(1, Math.ceil(shown.length / cols));
  list.classList.toggle('few', few);
  list.style.setProperty('--rows', String(rows));
  list.style.setProperty('--cols', String(cols));
  if (!shown.length && state.loaded) shown.push(el('li', 'board-empty', emptyText));
  list.replaceChildren(...shown);
}

/** In line: numbers and first names, as many as fit, then "+N more". */
function fillLine(items, total) {
  const list = $('#waiting-board');
  $('#waiting-count').textContent = total ? String(total) : '';
  if (!items.length && !total) {
    list.replaceChildren(...(state.loaded ? [el('li', 'board-empty', t('board.waiting_empty'))] : []));
    return;
  }
  const chips = items.map((ticket) => ticketItem(ticket, 'line-ticket'));
  const more = el('li', 'line-more');
  list.replaceChildren(...chips, more);
  let shown = chips.length;
  const count = () => {
    const rest = total - shown;
    more.textContent = rest > 0 ? t('board.more', { count: rest }) : '';
    more.hidden = rest <= 0;
  };
  count();
  const overflows = () => list.scrollHeight > list.clientHeight + 1;
  // One ticket a row while they fit (whole names), else two abreast, then "+N more".
  list.classList.add('one-column');
  if (overflows()) list.classList.remove('one-column');
  while (shown > 0 && overflows()) {
    chips[--shown].remove();
    count();
  }
}

// ------------------------------------------------------------ the host's announcement

// What the bar says by itself (`kind`), in the board's words; the host's own as written.
const OWN_WORDS = { last_call: () => t('announcement.last_call') };

/** Show the server's fresh announcement for the seconds it has left (or hide it). */
function showNews(news) {
  clearTimeout(state.newsTimer);
  const banner = $('#announcement');
  const left = news ? Number(news.seconds_left) : 0;
  if (!news || !news.message || !(left > 0)) {
    banner.hidden = true;
    banner.textContent = '';
    return;
  }
  banner.textContent = Object.hasOwn(OWN_WORDS, news.kind) ? OWN_WORDS[news.kind]() : news.message;
  banner.hidden = false;
  state.newsTimer = setTimeout(() => showNews(null), left * 1000);
}

// ------------------------------------------------------------ the code guests join with

// One panel shows either the party's invite (from /api/display) or, on a board an
// admin signed in on, a pop-up's rotating scan code; never both (one mode or the other).
function showJoin(kind, joinUrl) {
  const panel = $('#scan-panel');
  panel.hidden = false;
  panel.dataset.kind = kind;
  $('#boards').classList.add('with-scan');
  $('#scan-title').textContent = kind === 'invite' ? t('scan.join') : t('scan.order');
  if (joinUrl !== scan.joinUrl) {
    scan.joinUrl = joinUrl;
    scan.imgFailed = false;
    const img = $('#scan-qr');
    img.hidden = false;
    img.src = `/qr.svg?data=${encodeURIComponent(joinUrl)}`;
    showUrl($('#scan-url'), joinUrl);
  }
  panel.classList.toggle('no-qr', Boolean(scan.imgFailed));
  showScanError(scan.imgFailed ? t('scan.type_address') : '');
}

/** The address to type, broken (when the panel is narrow) only between the site and
 * its last part: the code a guest types stays on one line. */
function showUrl(element, url) {
  const cut = url.lastIndexOf('/') + 1;
  const last = document.createElement('span');
  last.className = 'scan-url-end';
  last.textContent = url.slice(cut);
  element.replaceChildren(url.slice(0, cut), last);
}

function hideJoin(kind) {
  const panel = $('#scan-panel');
  if (panel.dataset.kind !== kind) return;
  panel.hidden = true;
  panel.dataset.kind = '';
  $('#boards').classList.remove('with-scan');
  scan.joinUrl = null;
}

function showInvite(invite) {
  if ($('#scan-panel').dataset.kind === 'scan') return; // an admin's scan code shows
  if (!invite || !invite.join_url) {
    hideJoin('invite');
    return;
  }
  showJoin('invite', invite.join_url);
  const hint = $('#scan-remaining');
  hint.textContent = t('scan.then_order');
  hint.dataset.empty = 'false';
  $('#scan-countdown').textContent = '';
}

// ------------------------------------------------------------ WebSocket (anonymous)

function setLive(mode) {
  const ind = $('#live-indicator');
  ind.dataset.state = mode;
  ind.textContent = mode === 'live' ? t('live.live') : mode === 'connecting' ? t('live.connecting') : t('live.offline');
  state.connection = mode;
  renderBar();
}

// Connect, heartbeat, backoff and the `since` cursor live in live.js.
const live = createLive({
  onOpen: (ws) => live.subscribe(ws, [BOARD_CHANNEL, 'config', 'announcements']),
  onMessage,
  onStateChange: setLive,
});

function onMessage(msg) {
  switch (msg.type) {
    case 'subscribed': // live.js has reset the backoff, shown Live and set `since`
      resync();
      break;
    case 'event': {
      const ev = msg.event || {};
      if (msg.channel === BOARD_CHANNEL && ev.number !== undefined) {
        applyTicket(ev, { live: true });
        render();
        if (state.fresh.size) setTimeout(render, 4100); // end the flash
      } else if (ev.type === 'SHOP_STATUS_CHANGED') {
        // A station's board is open when the bar and the station are: the server says.
        if (STATION && (!ev.station || ev.station === STATION)) resync();
        else if (!STATION && !ev.station) applyBar({ is_open: ev.is_open });
      } else if (ev.type === 'ANNOUNCEMENT') {
        // How long it stays up is the server's rule (and a replayed old one is over).
        resync();
      }
      break;
    }
    case 'resync': // live.js carries `since` on from where this subscription started
      resync();
      break;
    default:
      break;
  }
}

// Read the board again now and then: while the socket is down it keeps the board
// roughly right, and an invite that ran out or was revoked says nothing on any channel.
function rereadNowAndThen() {
  clearTimeout(state.rereadTimer);
  state.rereadTimer = setTimeout(async () => {
    await resync();
    rereadNowAndThen();
  }, live.isOpen() ? REREAD_EVERY : REREAD_EVERY / 2);
}

// ------------------------------------------------------------ admin: rotating scan code

const params = new URLSearchParams(location.search);
const wantAdmin = params.get('admin') === '1';
const scan = {
  timer: null, tick: null, joinUrl: null, rotatesAt: 0, skew: 0, lastPoll: 0, imgFailed: false,
};

const adminToken = () => tabToken.get(ADMIN_KEY);
const setAdminToken = (token) => tabToken.set(ADMIN_KEY, token);

function showLogin(message) {
  // No sign-in where the host keeps join codes off the boards (display.show_join_code).
  $('#admin-login').hidden = !wantAdmin || !state.showJoinCode;
  const err = $('#admin-login-error');
  err.textContent = message || '';
  err.hidden = !message;
  $('#admin-bar').hidden = true;
}

function hideScanPanel() {
  hideJoin('scan');
  clearInterval(scan.tick);
  scan.tick = null;
}

async function pollScan() {
  clearTimeout(scan.timer);
  const token = adminToken();
  if (!token || !state.showJoinCode) {
    hideScanPanel();
    showLogin();
    return;
  }
  $('#admin-login').hidden = true;
  $('#admin-bar').hidden = !wantAdmin;
  scan.lastPoll = Date.now();
  let res;
  let data = null;
  try {
    res = await fetch(`/api/admin/scan-code${STATION ? `?station=${encodeURIComponent(STATION)}` : ''}`, {
      cache: 'no-store',
      headers: { Accept: 'application/json', Authorization: `Bearer ${token}` },
    });
    data = await res.json().catch(() => null);
  } catch (e) {
    showScanError(t('scan.offline'));
    scan.timer = setTimeout(pollScan, 5000);
    return;
  }
  if (res.status === 401 || res.status === 403) {
    setAdminToken(null);
    hideScanPanel();
    showLogin(t('signin.expired'));
    return;
  }
  if (!res.ok || !data || !data.join_url) {
    // Not pop-up mode (no rotating code): nothing to show; look again now and then.
    hideScanPanel();
    scan.timer = setTimeout(pollScan, 60000);
    return;
  }
  const date = Date.parse(res.headers.get('Date') || '');
  if (!Number.isNaN(date)) scan.skew = date + 500 - Date.now();
  renderScan(data);
  scan.timer = setTimeout(pollScan, 4000);
}

function showScanError(message) {
  const err = $('#scan-error');
  err.textContent = message || '';
  err.hidden = !message;
}

function renderScan(data) {
  showJoin('scan', data.join_url);
  const left = Number(data.drinks_remaining);
  const remaining = $('#scan-remaining');
  if (left > 0) {
    remaining.textContent = left === 1 ? t('scan.one_left') : t('scan.left', { count: left });
    remaining.dataset.empty = 'false';
  } else {
    remaining.textContent = t('scan.making');
    remaining.dataset.empty = 'true';
  }
  scan.rotatesAt = ts(data.rotates_at);
  if (!scan.tick) scan.tick = setInterval(tickCountdown, 1000);
  tickCountdown();
}

function tickCountdown() {
  const out = $('#scan-countdown');
  if (!scan.rotatesAt) {
    out.textContent = '';
    return;
  }
  const secs = Math.max(0, Math.round((scan.rotatesAt - (Date.now() + scan.skew)) / 1000));
  const h = Math.floor(secs / 3600);
  const m = Math.floor((secs % 3600) / 60);
  const s = String(secs % 60).padStart(2, '0');
  const left = h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
  out.textContent = secs > 0 ? t('scan.new_code_in', { time: left }) : t('scan.new_code');
  if (secs === 0 && Date.now() - scan.lastPoll > 1500) pollScan();
}

async function submitLogin(event) {
  const ids = { username: '#admin-username', password: '#admin-password', submit: '#admin-login-submit' };
  const token = await submitAdminLogin(event, ids, showLogin);
  if (!token) return;
  setAdminToken(token);
  pollScan();
}

$('#admin-login-form').addEventListener('submit', submitLogin);
$('#scan-qr').addEventListener('error', () => {
  scan.imgFailed = true;
  $('#scan-qr').hidden = true;
  $('#scan-panel').classList.add('no-qr');
  showScanError(t('scan.type_address'));
});
$('#admin-signout').addEventListener('click', () => {
  setAdminToken(null);
  clearTimeout(scan.timer);
  hideScanPanel();
  showLogin();
});

// ------------------------------------------------------------ keep the TV awake

async function keepAwake() {
  try {
    if ('wakeLock' in navigator && document.visibilityState === 'visible') {
      await navigator.wakeLock.request('screen');
    }
  } catch (e) {
    /* not allowed (plain HTTP) or not supported */
  }
}

document.addEventListener('visibilitychange', () => {
  if (document.visibilityState !== 'visible') return;
  keepAwake();
  if (!live.isOpen()) live.connect();
});
window.addEventListener('online', () => live.connect());

// ------------------------------------------------------------ start

translatePage();
renderBar();
live.connect();
rereadNowAndThen();
keepAwake();
// Whether the host shows join codes on the boards is in the first read of the board.
resync().finally(() => {
  if (adminToken()) pollScan();
  else showLogin();
});
