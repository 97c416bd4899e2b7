/* bar: the TV board (/display).
 *
 * Public and anonymous: it subscribes to the `display` and `config` channels, which
 * carry order numbers, first names and statuses only. It reloads the whole board from
 * GET /api/display on every (re)connect and when the server says "resync".
 *
 * With ?admin=1 a barista can sign in (POST /api/admin/login); the admin token is
 * kept for this tab (sessionStorage) under `bar.adminToken`, and the board then shows the pop-up
 * mode's rotating scan code: its QR (from /qr.svg), drinks left and a countdown.
 *
 * Guest names are shown with textContent only.
 */

import { $, el, submitAdminLogin, tabToken, ts } from './common.js';
import { create as createLive } from './live.js';
import { isOlder } from './status.js';

const MAX_TICKETS = 14;
const ADMIN_KEY = 'bar.adminToken';
// The board shows what a barista has claimed; pending orders wait off-screen
// (GET /api/display lists the same two columns).
const PREPARING = new Set(['preparing']);

const state = {
  bar: { name: 'Bar', is_open: true, mode: 'party' },
  connection: 'connecting', // live.js: connecting | live | offline
  tickets: new Map(), // number -> {number, first_name, drink_name, status, updated_at}
  touched: new Map(), // number -> sequence of the last update
  fresh: new Map(), // number -> ms until which it flashes
  seq: 0,
  pollTimer: null,
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
  $('#bar-name').textContent = state.bar.name;
  document.title = `${state.bar.name} — orders`;
  // Without its socket the board cannot know: a big green "Open" from minutes ago
  // would send guests to a bar whose server is gone.
  const offline = state.connection === 'offline';
  const status = $('#open-status');
  status.textContent = offline ? 'Offline' : state.bar.is_open ? 'Open' : 'Closed';
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
}

async function resync() {
  const before = state.seq;
  let data;
  try {
    const res = await fetch('/api/display', { cache: 'no-store', headers: { Accept: 'application/json' } });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    data = await res.json();
  } catch (e) {
    return false;
  }
  applyBar(data.bar);
  const seen = new Set();
  for (const item of [...(data.preparing || []), ...(data.ready || [])]) {
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
  state.loaded = true;
  render();
  return true;
}

function render() {
  const now = Date.now();
  for (const [number, until] of state.fresh) if (until <= now) state.fresh.delete(number);
  const all = [...state.tickets.values()];
  const preparing = all
    .filter((t) => PREPARING.has(t.status))
    .sort((a, b) => a.number - b.number);
  const ready = all
    .filter((t) => t.status === 'ready')
    .sort((a, b) => ts(b.updated_at) - ts(a.updated_at) || b.number - a.number);
  fill('preparing', preparing, 'No orders in the queue');
  fill('ready', ready, 'Nothing waiting');
  // Forget what has left the boards, so the map doesn't grow all night.
  for (const [number, t] of state.tickets) {
    if (!PREPARING.has(t.status) && t.status !== 'ready' && (state.touched.get(number) || 0) < state.seq - 500) {
      state.tickets.delete(number);
      state.touched.delete(number);
    }
  }
}

function fill(board, items, emptyText) {
  const list = $(`#${board}-board`);
  const now = Date.now();
  const shown = items.slice(0, MAX_TICKETS).map((t) => {
    const li = el('li', 'ticket');
    li.dataset.number = String(t.number);
    li.dataset.status = t.status;
    if ((state.fresh.get(t.number) || 0) > now) li.classList.add('fresh');
    li.append(el('span', 'ticket-number', t.number), el('span', 'ticket-name', t.first_name || ''));
    li.title = t.drink_name || '';
    return li;
  });
  if (!shown.length && state.loaded) shown.push(el('li', 'board-empty', emptyText));
  list.classList.toggle('two-columns', items.length > MAX_TICKETS / 2);
  list.replaceChildren(...shown);
}

// ------------------------------------------------------------ WebSocket (anonymous)

function setLive(mode) {
  const ind = $('#live-indicator');
  ind.dataset.state = mode;
  ind.textContent = mode === 'live' ? 'Live' : mode === 'connecting' ? 'Connecting…' : 'Offline';
  state.connection = mode;
  renderBar();
}

// Connect, heartbeat, backoff and the `since` cursor live in live.js.
const live = createLive({
  onOpen: (ws) => live.subscribe(ws, ['display', 'config']),
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
      if (msg.channel === 'display' && ev.number !== undefined) {
        applyTicket(ev, { live: true });
        render();
        if (state.fresh.size) setTimeout(render, 4100); // end the flash
      } else if (ev.type === 'SHOP_STATUS_CHANGED') {
        applyBar({ is_open: ev.is_open });
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

// While the socket is down, keep the board roughly right over REST.
function pollWhileOffline() {
  clearTimeout(state.pollTimer);
  state.pollTimer = setTimeout(async () => {
    if (!live.isOpen()) await resync();
    pollWhileOffline();
  }, 15000);
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
  $('#admin-login').hidden = !wantAdmin;
  const err = $('#admin-login-error');
  err.textContent = message || '';
  err.hidden = !message;
  $('#admin-bar').hidden = true;
}

function hideScanPanel() {
  $('#scan-panel').hidden = true;
  $('#boards').classList.remove('with-scan');
  clearInterval(scan.tick);
  scan.tick = null;
  scan.joinUrl = null;
}

async function pollScan() {
  clearTimeout(scan.timer);
  const token = adminToken();
  if (!token) {
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
    res = await fetch('/api/admin/scan-code', {
      cache: 'no-store',
      headers: { Accept: 'application/json', Authorization: `Bearer ${token}` },
    });
    data = await res.json().catch(() => null);
  } catch (e) {
    showScanError('Offline — retrying…');
    scan.timer = setTimeout(pollScan, 5000);
    return;
  }
  if (res.status === 401 || res.status === 403) {
    setAdminToken(null);
    hideScanPanel();
    showLogin('Your sign-in has expired. Please sign in again.');
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
  $('#scan-panel').hidden = false;
  $('#boards').classList.add('with-scan');
  if (data.join_url !== scan.joinUrl) {
    scan.joinUrl = data.join_url;
    scan.imgFailed = false;
    const img = $('#scan-qr');
    img.hidden = false;
    img.src = `/qr.svg?data=${encodeURIComponent(data.join_url)}`;
    $('#scan-url').textContent = data.join_url;
  }
  $('#scan-panel').classList.toggle('no-qr', Boolean(scan.imgFailed));
  showScanError(scan.imgFailed ? 'Type this address to order:' : '');
  const left = Number(data.drinks_remaining);
  const remaining = $('#scan-remaining');
  if (left > 0) {
    remaining.textContent = left === 1 ? '1 drink left' : `${left} drinks left`;
    remaining.dataset.empty = 'false';
  } else {
    remaining.textContent = "We're making drinks!";
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
  out.textContent = secs > 0 ? `New code in ${left}` : 'New code…';
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
  showScanError('Type this address to order:');
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

renderBar();
resync();
live.connect();
pollWhileOffline();
keepAwake();
if (adminToken()) pollScan();
else showLogin();
