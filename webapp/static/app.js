/* bar: the guest page (served at / and /join?code=…).
 *
 * Vanilla JS, no build step, no CDN. The page is served under a strict CSP, so there
 * is no inline code anywhere, and every piece of text that comes from a guest or the
 * server (names, notes, drinks, announcements) goes into the page with textContent
 * or Text nodes, never as HTML.
 *
 * The database is the source of truth: the page loads orders over REST and the
 * WebSocket only speeds things up. After every (re)connect the page re-fetches its
 * orders, and every update is merged by `updated_at`, so events and REST answers can
 * arrive in any order.
 */

import { $, el, ts } from './common.js';
import { create as createLive } from './live.js';
import { isOlder, OPEN } from './status.js';

(() => {
  'use strict';

  // ---------------------------------------------------------------- storage

  const KEYS = {
    tokens: 'bar.tokens', // {access_token, refresh_token, expires_at}
    user: 'bar.user', // {user_key, username}
    lastEvent: 'bar.lastEventId',
    scan: 'bar.scanCode', // {code, at}: pop-up mode, the code scanned at the bar
    asked: 'bar.notifyAsked',
    seen: 'bar.seen', // alerts already given (ready:<id>, cancelled:<id>, ann:<event id>)
    dismissed: 'bar.dismissed', // pickup cards the guest closed
    acked: 'bar.acked', // <notification type>:<order id> the guest has seen and dismissed
  };

  const store = {
    get(key) {
      try {
        const raw = localStorage.getItem(key);
        return raw === null ? null : JSON.parse(raw);
      } catch (e) {
        return null;
      }
    },
    set(key, value) {
      try {
        localStorage.setItem(key, JSON.stringify(value));
      } catch (e) {
        /* private mode or full: memory only */
      }
    },
    del(key) {
      try {
        localStorage.removeItem(key);
      } catch (e) {
        /* ignore */
      }
    },
  };

  // A bounded set of strings kept in localStorage.
  function persistentSet(key, max) {
    const items = (store.get(key) || []).filter((x) => typeof x === 'string');
    const set = new Set(items);
    return {
      has: (x) => set.has(x),
      add(x) {
        if (set.has(x)) return;
        set.add(x);
        items.push(x);
        while (items.length > max) set.delete(items.shift());
        store.set(key, items);
      },
      clear() {
        set.clear();
        items.length = 0;
        store.del(key);
      },
    };
  }

  // ---------------------------------------------------------------- helpers

  /** A random UUID; crypto.randomUUID needs HTTPS, party Wi-Fi is often plain HTTP. */
  function uuid4() {
    if (window.isSecureContext && crypto.randomUUID) return crypto.randomUUID();
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  const OPEN_STATUSES = new Set(OPEN);
  const QUEUE_STATUSES = new Set(['pending', 'preparing']); // orders with a wait estimate

  function humanize(name) {
    const s = String(name).replace(/[_-]+/g, ' ').trim();
    return s.charAt(0).toUpperCase() + s.slice(1);
  }

  function formatPrice(price) {
    if (typeof price !== 'number' || !Number.isFinite(price)) return '';
    return price.toLocaleString(undefined, {
      minimumFractionDigits: Number.isInteger(price) ? 0 : 2,
      maximumFractionDigits: 2,
    });
  }

  function formatTime(iso) {
    const t = ts(iso);
    if (!t) return '';
    return new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }

  function firstName(name) {
    const parts = String(name || '').trim().split(/\s+/);
    return parts[0] || '';
  }

  // ---------------------------------------------------------------- state

  const state = {
    bar: { name: 'Bar', is_open: true, mode: 'party' },
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
    tab: 'menu',
    started: false,
    everConnected: false,
  };

  // ---------------------------------------------------------------- API

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  /** The guest's session is over (refresh refused): the page is back on the join screen. */
  class SessionEnded extends Error {}

  const SIGNED_OUT_MESSAGE = 'The host signed you out. Ask at the bar if that’s a mistake.';
  const NETWORK_MESSAGE = "Couldn't reach the bar. Check that you're on the bar's Wi-Fi and try again.";

  function defaultMessage(status) {
    if (status >= 500) return 'Something went wrong at the bar. Please try again.';
    return `The bar said no (${status}).`;
  }

  async function rawFetch(method, path, { body, headers } = {}) {
    const h = Object.assign({ Accept: 'application/json' }, headers || {});
    if (body !== undefined) h['Content-Type'] = 'application/json';
    let res;
    try {
      res = await fetch(path, {
        method,
        headers: h,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
        credentials: 'same-origin',
      });
    } catch (e) {
      throw new ApiError(0, 'network', NETWORK_MESSAGE);
    }
    let data = null;
    try {
      data = await res.json();
    } catch (e) {
      data = null;
    }
    return { res, data };
  }

  function errorFrom(res, data) {
    const err = (data && data.error) || {};
    return new ApiError(res.status, err.code || `http_${res.status}`, err.message || defaultMessage(res.status));
  }

  /** A JSON request; with `auth`, a fresh access token, and on 401 one refresh and retry. */
  async function api(method, path, { body, headers, auth = false } = {}) {
    for (let attempt = 0; ; attempt++) {
      const h = Object.assign({}, headers || {});
      if (auth) {
        if (!state.tokens) throw new SessionEnded();
        await ensureFreshToken();
        h.Authorization = `Bearer ${state.tokens.access_token}`;
      }
      const { res, data } = await rawFetch(method, path, { body, headers: h });
      if (res.ok) return data || {};
      if (auth && res.status === 401) {
        if (data && data.error && data.error.code === 'signed_out') {
          endSession(SIGNED_OUT_MESSAGE);
          throw new SessionEnded();
        }
        if (attempt === 0) {
          await refreshTokens();
          continue;
        }
        endSession('Your session has ended. Scan the QR code at the bar to join again.');
        throw new SessionEnded();
      }
      throw errorFrom(res, data);
    }
  }

  // ---------------------------------------------------------------- tokens

  function setTokens(data) {
    const expiresIn = Number(data.expires_in) || jwtLifetime(data.access_token) || 3600;
    state.tokens = {
      access_token: data.access_token,
      refresh_token: data.refresh_token,
      expires_at: Date.now() + expiresIn * 1000,
    };
    store.set(KEYS.tokens, state.tokens);
    scheduleRefresh();
  }

  /** Seconds until the JWT's `exp`, as a fallback when the server sends no expires_in. */
  function jwtLifetime(token) {
    try {
      const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      const claims = JSON.parse(atob(part));
      return claims.exp && claims.iat ? claims.exp - claims.iat : 0;
    } catch (e) {
      return 0;
    }
  }

  function scheduleRefresh() {
    clearTimeout(state.refreshTimer);
    if (!state.tokens) return;
    const left = state.tokens.expires_at - Date.now();
    // Refresh at about 80% of the lifetime, jittered so that two tabs don't race.
    const delay = Math.max(5000, left * (0.75 + Math.random() * 0.1));
    state.refreshTimer = setTimeout(() => {
      refreshTokens().catch(() => {
        /* network trouble: try again later */
        state.refreshTimer = setTimeout(scheduleRefresh, 30000);
      });
    }, Math.min(delay, 2147483000));
  }

  async function ensureFreshToken() {
    if (!state.tokens) throw new SessionEnded();
    if (state.tokens.expires_at - Date.now() > 30000) return;
    try {
      await refreshTokens();
    } catch (e) {
      if (e instanceof SessionEnded) throw e;
      /* offline: carry on with the old token, the server decides */
    }
  }

  /** Rotate the refresh token. Single flight; adopts a newer pair another tab stored. */
  function refreshTokens() {
    if (state.refreshing) return state.refreshing;
    const run = async () => {
      const held = state.tokens;
      const stored = store.get(KEYS.tokens);
      if (stored && held && stored.refresh_token !== held.refresh_token && stored.expires_at > Date.now() + 30000) {
        state.tokens = stored; // another tab refreshed already: presenting the old token would revoke both
        scheduleRefresh();
        return;
      }
      if (!held) throw new SessionEnded();
      const { res, data } = await rawFetch('POST', '/api/auth/refresh', {
        body: { refresh_token: held.refresh_token },
      });
      if (res.ok && data && data.access_token) {
        setTokens(data);
        return;
      }
      if (res.status === 400 || res.status === 401 || res.status === 403) {
        endSession('Your session has ended. Scan the QR code at the bar to join again.');
        throw new SessionEnded();
      }
      throw errorFrom(res, data);
    };
    const locked = navigator.locks ? () => navigator.locks.request('bar-refresh', run) : run;
    state.refreshing = locked().finally(() => {
      state.refreshing = null;
    });
    return state.refreshing;
  }

  // Another tab refreshed or signed out.
  window.addEventListener('storage', (e) => {
    if (e.key === KEYS.tokens) {
      const tokens = store.get(KEYS.tokens);
      if (tokens) {
        state.tokens = tokens;
        scheduleRefresh();
      } else if (state.started) {
        endSession('You left the bar in another tab.');
      }
    }
  });

  function endSession(message) {
    state.tokens = null;
    state.user = null;
    store.del(KEYS.tokens);
    store.del(KEYS.user);
    store.del(KEYS.lastEvent);
    live.lastEventId = null;
    clearTimeout(state.refreshTimer);
    live.close();
    state.orders.clear();
    state.touched.clear();
    state.inbox.clear();
    state.ordersLoaded = false;
    state.started = false;
    if ($('#inbox').open) $('#inbox').close();
    renderInbox(); // after `started`: the bell goes with the session
    closeSheet();
    renderOrders();
    renderPickups();
    setLive('hidden');
    showJoin(message);
  }

  // ---------------------------------------------------------------- views

  function showView(name) {
    for (const view of ['loading', 'error', 'join', 'app']) {
      $(`#${view}-view`).hidden = view !== name;
    }
  }

  function showError(message, retry) {
    $('#error-text').textContent = message;
    $('#error-retry').onclick = null;
    $('#error-retry').addEventListener('click', retry, { once: true });
    showView('error');
  }

  function toast(message, ms = 3500) {
    const t = $('#toast');
    t.textContent = message;
    t.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => {
      t.hidden = true;
    }, ms);
  }

  /** A dismissible banner under the top bar (announcements, cancellations, expiries). */
  function addMessage(kind, text, { title, onDismiss } = {}) {
    const box = el('div', { class: `message banner message-${kind}`, role: kind === 'announcement' ? 'alert' : 'status', 'data-kind': kind });
    const body = el('div', { class: 'message-body' });
    if (title) body.append(el('strong', { class: 'message-title', text: title }));
    body.append(el('p', { class: 'message-text', text }));
    const close = el('button', { type: 'button', class: 'icon-button dismiss', 'aria-label': 'Dismiss', text: '✕' });
    close.addEventListener('click', () => {
      box.remove();
      if (onDismiss) onDismiss();
    });
    box.append(body, close);
    const list = $('#messages');
    list.prepend(box);
    while (list.children.length > 4) list.lastElementChild.remove();
    return box;
  }

  function setLive(mode) {
    const ind = $('#live-indicator');
    ind.hidden = mode === 'hidden';
    ind.dataset.state = mode;
    ind.textContent = mode === 'live' ? 'Live' : 'Offline';
    ind.title = mode === 'live' ? 'Updates arrive instantly' : 'Reconnecting — your orders are safe';
  }

  // ---------------------------------------------------------------- menu

  async function loadMenu() {
    const data = await api('GET', '/api/menu');
    const bar = data.bar || {};
    state.bar = {
      name: bar.name || 'Bar',
      is_open: bar.is_open !== false,
      mode: bar.mode === 'popup' ? 'popup' : 'party',
    };
    state.drinks = Array.isArray(data.drinks) ? data.drinks : [];
    state.drinksById = new Map(state.drinks.map((d) => [d.id, d]));
    state.menuLoaded = true;
    renderBar();
    renderMenu();
  }

  function renderBar() {
    $('#bar-name').textContent = state.bar.name;
    document.title = state.bar.name;
    $('#join-title').textContent = `Welcome to ${state.bar.name}!`;
    $('#closed-banner').hidden = state.bar.is_open;
    document.body.classList.toggle('bar-closed', !state.bar.is_open);
    $('#scan-banner').hidden = !(state.bar.mode === 'popup' && !scanCode());
    updateSheetAvailability();
  }

  function renderMenu() {
    const root = $('#menu');
    const groups = new Map();
    for (const drink of state.drinks) {
      const category = drink.category || 'Drinks';
      if (!groups.has(category)) groups.set(category, []);
      groups.get(category).push(drink);
    }
    const sections = [];
    for (const [category, drinks] of groups) {
      const list = el('ul', { class: 'drinks' });
      for (const drink of drinks) list.append(el('li', null, drinkCard(drink)));
      sections.push(el('section', { class: 'category' }, el('h2', { class: 'category-title', text: category }), list));
    }
    if (!sections.length) sections.push(el('p', { class: 'empty', text: 'The menu is empty right now.' }));
    root.replaceChildren(...sections);
  }

  function drinkCard(drink) {
    const available = drink.is_active !== false;
    const card = el('button', {
      type: 'button',
      class: `drink card${available ? '' : ' unavailable'}`,
      'data-id': drink.id,
      'aria-haspopup': 'dialog',
    });
    card.disabled = !available || !state.bar.is_open;
    const head = el('span', { class: 'drink-head' }, el('span', { class: 'drink-name', text: drink.name }));
    if (!available) head.append(el('span', { class: 'chip chip-out', text: 'Out of stock' }));
    else if (formatPrice(drink.price)) head.append(el('span', { class: 'drink-price', text: formatPrice(drink.price) }));
    card.append(head);
    if (typeof drink.image === 'string' && /^\/[^/]/.test(drink.image)) {
      card.append(el('img', { class: 'drink-image', src: drink.image, alt: '', loading: 'lazy' }));
    }
    if (drink.description) card.append(el('span', { class: 'drink-description', text: drink.description }));
    const tags = Array.isArray(drink.tags) ? drink.tags : [];
    if (tags.length) {
      const chips = el('span', { class: 'tags' });
      for (const tag of tags) chips.append(el('span', { class: `chip tag tag-${String(tag).replace(/[^a-z0-9-]/gi, '')}`, text: tag }));
      card.append(chips);
    }
    card.addEventListener('click', () => openSheet(drink.id));
    return card;
  }

  // ---------------------------------------------------------------- order sheet

  function openSheet(drinkId) {
    const drink = state.drinksById.get(drinkId);
    if (!drink || drink.is_active === false || !state.bar.is_open) return;
    // The Idempotency-Key belongs to this tap-intent: every retry from this sheet reuses it.
    state.sheet = { drink, key: uuid4(), sending: false };
    $('#sheet-title').textContent = drink.name;
    $('#sheet-description').textContent = drink.description || '';
    $('#sheet-description').hidden = !drink.description;
    const mods = $('#sheet-modifiers');
    const fieldsets = [];
    for (const [name, options] of Object.entries(drink.modifiers || {})) {
      if (!Array.isArray(options) || !options.length) continue;
      const fs = el('fieldset', { class: 'modifier', 'data-modifier': name }, el('legend', { text: humanize(name) }));
      const choices = el('div', { class: 'choices' });
      options.forEach((option, i) => {
        const input = el('input', { type: 'radio', name: `mod-${name}`, value: option, 'data-modifier': name });
        input.checked = i === 0;
        choices.append(el('label', { class: 'choice' }, input, el('span', { text: option })));
      });
      fs.append(choices);
      fieldsets.push(fs);
    }
    mods.replaceChildren(...fieldsets);
    $('#order-note').value = '';
    $('#note-count').textContent = '0/200';
    setOrderError('');
    updateSheetAvailability();
    const dialog = $('#order-sheet');
    if (!dialog.open) {
      if (dialog.showModal) dialog.showModal();
      else dialog.setAttribute('open', '');
    }
  }

  function closeSheet() {
    const dialog = $('#order-sheet');
    if (dialog.open) {
      if (dialog.close) dialog.close();
      else dialog.removeAttribute('open');
    }
    state.sheet = null;
  }

  function setOrderError(message) {
    const p = $('#order-error');
    p.textContent = message;
    p.hidden = !message;
  }

  function updateSheetAvailability() {
    const s = state.sheet;
    if (!s) return;
    const drink = state.drinksById.get(s.drink.id) || s.drink;
    const button = $('#order-button');
    let reason = '';
    if (!state.bar.is_open) reason = 'The bar is closed right now.';
    else if (drink.is_active === false) reason = `Sorry, ${drink.name} just ran out.`;
    button.disabled = s.sending || Boolean(reason);
    button.textContent = s.sending ? 'Ordering…' : 'Order';
    if (reason) setOrderError(reason);
    else if ($('#order-error').dataset.kind === 'availability') setOrderError('');
    $('#order-error').dataset.kind = reason ? 'availability' : '';
  }

  const ORDER_ERRORS = {
    shop_closed: 'The bar is closed right now — try again when it opens.',
    queue_full: 'The queue is full — try again in a few minutes.',
    too_many_open_orders: 'You already have a drink on the way. Collect it before ordering another.',
    scan_code_missing: 'Scan the QR code at the bar to order.',
    scan_code_invalid: "That QR code isn't ours — scan the code on the bar's screen.",
    scan_code_stale: 'That QR code has expired — scan the current code at the bar.',
    window_spent: "This QR code's drinks are all taken — wait for the next code and scan it.",
    drink_unavailable: 'Sorry, that drink just ran out.',
    not_found: "That drink isn't on the menu any more.",
  };

  async function submitOrder(event) {
    event.preventDefault();
    const s = state.sheet;
    if (!s || s.sending) return;
    const button = $('#order-button');
    if (button.disabled) return;
    s.sending = true;
    button.disabled = true;
    button.textContent = 'Ordering…';
    setOrderError('');
    const modifiers = {};
    for (const input of $('#sheet-modifiers').querySelectorAll('input[type=radio]:checked')) {
      modifiers[input.dataset.modifier] = input.value;
    }
    const body = { drink_id: s.drink.id, modifiers, note: $('#order-note').value.trim() };
    if (state.bar.mode === 'popup' && scanCode()) body.scan_code = scanCode();
    try {
      const data = await api('POST', '/api/orders', {
        auth: true,
        body,
        headers: { 'Idempotency-Key': s.key },
      });
      const order = data.order;
      if (order) upsertOrder(order);
      if (state.sheet === s) closeSheet();
      showTab('orders');
      toast(order ? `Ordered! Your number is #${order.number}.` : 'Ordered!');
      offerNotifications();
    } catch (e) {
      if (e instanceof SessionEnded) return;
      if (state.sheet !== s) return;
      setOrderError(ORDER_ERRORS[e.code] || e.message || NETWORK_MESSAGE);
      if (e.code === 'scan_code_stale' || e.code === 'scan_code_invalid') {
        store.del(KEYS.scan);
        renderBar();
      }
      if (e.code === 'shop_closed') {
        state.bar.is_open = false;
        renderBar();
        renderMenu();
      }
      if (e.code === 'drink_unavailable' || e.code === 'not_found') loadMenu().catch(() => {});
    } finally {
      if (state.sheet === s) {
        s.sending = false;
        updateSheetAvailability();
      }
    }
  }

  // ---------------------------------------------------------------- scan code (pop-up)

  function scanCode() {
    const stored = store.get(KEYS.scan);
    return stored && typeof stored.code === 'string' ? stored.code : null;
  }

  function rememberScanCode(code) {
    store.set(KEYS.scan, { code, at: Date.now() });
  }

  // ---------------------------------------------------------------- orders

  function upsertOrder(order, { render = true } = {}) {
    if (!order || !order.order_id) return;
    const prev = state.orders.get(order.order_id);
    if (prev && isOlder(order, prev)) return;
    const merged = Object.assign({}, prev || {}, order);
    // Events carry no estimate (it changes with the clock): a status change makes the
    // old one wrong until the next REST answer brings a fresh one.
    if (!('estimate' in order) && prev && prev.status !== order.status) merged.estimate = null;
    state.orders.set(order.order_id, merged);
    state.touched.set(order.order_id, ++state.seq);
    react(prev, merged);
    if (render) {
      renderOrders();
      renderPickups();
    }
  }

  /** What a guest must notice: a drink becoming ready, an order cancelled or expired. */
  function react(prev, order) {
    const id = order.order_id;
    if (order.status === 'ready') {
      alertReady(order);
    } else if (order.status === 'cancelled' && prev && prev.status !== 'cancelled') {
      alertEnded(order);
    } else if (order.status === 'expired' && prev && prev.status !== 'expired') {
      alertEnded(order);
    }
    if (!OPEN_STATUSES.has(order.status)) state.dismissed.add(`pickup:${id}`);
    if (order.status === 'served') readAbout(id, ['ORDER_READY', 'ORDER_REMINDER']); // nothing left to tell
  }

  function alertReady(order) {
    const key = `ready:${order.order_id}`;
    if (state.seen.has(key)) return;
    state.seen.add(key);
    const drink = order.drink_name || 'Your drink';
    buzz([250, 120, 250, 120, 500]);
    chime();
    systemNotify(`#${order.number} is ready!`, `${drink} — pick it up at the bar.`, key);
    flashTitle(`#${order.number} ready!`);
    window.scrollTo({ top: 0, behavior: 'smooth' });
  }

  function alertEnded(order) {
    const key = `${order.status}:${order.order_id}`;
    if (state.seen.has(key)) return;
    state.seen.add(key);
    const what = `#${order.number} ${order.drink_name || ''}`.trim();
    const reason = order.cancel_reason ? ` (${order.cancel_reason})` : '';
    const text =
      order.status === 'cancelled'
        ? `Your order ${what} was cancelled${reason}.`
        : `Your order ${what} expired${reason}.`;
    const type = order.status === 'cancelled' ? 'ORDER_CANCELLED' : 'ORDER_EXPIRED';
    addMessage(order.status, text, { onDismiss: () => readAbout(order.order_id, [type]) });
    buzz([200]);
    systemNotify(order.status === 'cancelled' ? 'Order cancelled' : 'Order expired', text, key);
  }

  async function resyncOrders() {
    if (!state.tokens) return;
    const before = state.seq;
    const data = await api('GET', '/api/orders', { auth: true });
    const ids = new Set();
    for (const order of data.orders || []) {
      ids.add(order.order_id);
      upsertOrder(order, { render: false });
    }
    // Drop what the server no longer lists, unless an event updated it meanwhile.
    for (const id of [...state.orders.keys()]) {
      if (!ids.has(id) && (state.touched.get(id) || 0) <= before) {
        state.orders.delete(id);
        state.touched.delete(id);
      }
    }
    const first = !state.ordersLoaded;
    state.ordersLoaded = true;
    renderOrders();
    renderPickups();
    if (first && [...state.orders.values()].some((o) => OPEN_STATUSES.has(o.status))) showTab('orders');
  }

  /** Orders the bar still has to make: the ones whose wait estimate can change. */
  function hasQueuedOrder() {
    return [...state.orders.values()].some((o) => QUEUE_STATUSES.has(o.status));
  }

  /**
   * Re-fetch our orders for fresh wait estimates, a moment after the queue moved.
   *
   * Every guest page hears every move on the public `display` channel, but only pages
   * with an order in the queue re-fetch: at most `max_queue` phones (20 by default),
   * each once per 1–3 s burst, at a random moment in it so they do not all arrive
   * together. A pending timer is left alone rather than pushed back, so a queue that
   * keeps moving still gets a refresh.
   */
  function scheduleEstimateRefresh() {
    if (state.estimateTimer || !state.tokens || !hasQueuedOrder()) return;
    state.estimateTimer = setTimeout(() => {
      state.estimateTimer = null;
      resyncOrders().catch(() => {});
    }, 1000 + Math.random() * 2000);
  }

  function estimateText(order) {
    const estimate = QUEUE_STATUSES.has(order.status) ? order.estimate : null;
    return estimate && estimate.label ? `#${order.number} · ${estimate.label}` : '';
  }

  function positionText(order) {
    const position = order.status === 'pending' && order.estimate ? order.estimate.position : null;
    if (!position) return '';
    if (position === 1) return "You're next in line";
    return `${position - 1} ${position === 2 ? 'order' : 'orders'} ahead of you`;
  }

  function sortedOrders() {
    return [...state.orders.values()].sort((a, b) => ts(b.created_at) - ts(a.created_at) || b.number - a.number);
  }

  function statusText(order) {
    switch (order.status) {
      case 'pending':
        return 'Waiting';
      case 'preparing':
        return order.barista ? `Being made by ${order.barista}` : 'Being made';
      case 'ready':
        return 'Ready! Pick it up';
      case 'served':
        return 'Served — enjoy!';
      case 'cancelled':
        return 'Cancelled';
      case 'expired':
        return 'Expired';
      default:
        return humanize(order.status || 'unknown');
    }
  }

  function modifiersText(modifiers) {
    if (!modifiers || typeof modifiers !== 'object') return '';
    return Object.entries(modifiers)
      .map(([name, value]) => `${humanize(name)}: ${value}`)
      .join(' · ');
  }

  function renderOrders() {
    const list = $('#orders');
    const orders = sortedOrders();
    const open = orders.filter((o) => OPEN_STATUSES.has(o.status));
    const past = orders.filter((o) => !OPEN_STATUSES.has(o.status)).slice(0, 15);
    list.replaceChildren(...open.concat(past).map(orderItem));
    $('#orders-empty').hidden = orders.length > 0;
    const count = $('#orders-count');
    count.textContent = String(open.length);
    count.hidden = open.length === 0;
    const anyReady = open.some((o) => o.status === 'ready');
    $('#tab-orders').classList.toggle('has-ready', anyReady);
  }

  function orderItem(order) {
    const li = el('li', {
      class: `order card status-${order.status}`,
      'data-number': order.number,
      'data-order-id': order.order_id,
      'data-status': order.status,
    });
    li.append(el('div', { class: 'order-number', 'aria-label': `Order number ${order.number}`, text: `#${order.number}` }));
    const body = el('div', { class: 'order-body' });
    body.append(el('p', { class: 'order-drink', text: order.drink_name || order.drink_id || 'Drink' }));
    const mods = modifiersText(order.modifiers);
    if (mods) body.append(el('p', { class: 'order-mods', text: mods }));
    if (order.note) body.append(el('p', { class: 'order-note', text: `“${order.note}”` }));
    body.append(el('p', { class: `status badge badge-${order.status}`, 'data-status': order.status, text: statusText(order) }));
    const estimate = estimateText(order);
    if (estimate) body.append(el('p', { class: 'order-estimate', text: estimate }));
    const position = positionText(order);
    if (position) body.append(el('p', { class: 'order-position', text: position }));
    if ((order.status === 'cancelled' || order.status === 'expired') && order.cancel_reason) {
      body.append(el('p', { class: 'order-reason', text: order.cancel_reason }));
    }
    const time = formatTime(order.created_at);
    if (time) body.append(el('p', { class: 'order-time', text: `Ordered at ${time}` }));
    if (order.status === 'pending') {
      const confirming = state.cancelConfirm.has(order.order_id);
      const cancel = el('button', {
        type: 'button',
        class: `button ${confirming ? 'danger' : 'secondary'} cancel-button`,
        text: confirming ? 'Tap again to cancel' : 'Cancel order',
      });
      cancel.addEventListener('click', () => cancelOrder(order, cancel));
      body.append(cancel);
    }
    li.append(body);
    return li;
  }

  async function cancelOrder(order, button) {
    const id = order.order_id;
    if (!state.cancelConfirm.has(id)) {
      state.cancelConfirm.set(
        id,
        setTimeout(() => {
          state.cancelConfirm.delete(id);
          renderOrders();
        }, 4000),
      );
      renderOrders();
      const again = document.querySelector(`.order[data-order-id="${CSS.escape(id)}"] .cancel-button`);
      if (again) again.focus();
      return;
    }
    clearTimeout(state.cancelConfirm.get(id));
    state.cancelConfirm.delete(id);
    button.disabled = true;
    button.textContent = 'Cancelling…';
    state.seen.add(`cancelled:${id}`); // the guest did it: no "your order was cancelled" alert
    try {
      const data = await api('POST', `/api/orders/${encodeURIComponent(id)}/cancel`, { auth: true, body: {} });
      if (data.order) upsertOrder(data.order);
      toast(`Order #${order.number} cancelled.`);
    } catch (e) {
      if (e instanceof SessionEnded) return;
      toast(e.code === 'invalid_transition' ? 'Too late to cancel — the barista is already on it.' : e.message, 5000);
      resyncOrders().catch(() => {});
      renderOrders();
    }
  }

  // ---------------------------------------------------------------- pickup banner

  function renderPickups() {
    const box = $('#ready-banner');
    const ready = sortedOrders().filter((o) => o.status === 'ready' && !state.dismissed.has(`pickup:${o.order_id}`));
    const cards = ready.map((order) => {
      const gotIt = el('button', { type: 'button', class: 'button pickup-dismiss', text: 'Got it' });
      gotIt.addEventListener('click', () => {
        state.dismissed.add(`pickup:${order.order_id}`);
        readAbout(order.order_id, ['ORDER_READY']);
        renderPickups();
      });
      const name = state.user ? firstName(state.user.username) : '';
      return el(
        'section',
        { class: 'pickup', 'data-number': order.number, 'aria-label': `Order ${order.number} is ready` },
        el('p', { class: 'pickup-kicker', text: 'Ready! Pick it up at the bar' }),
        el('p', { class: 'pickup-number', text: `#${order.number}` }),
        el(
          'p',
          { class: 'pickup-drink' },
          el('span', { text: order.drink_name || '' }),
          name ? el('span', { class: 'pickup-name', text: ` for ${name}` }) : null,
        ),
        gotIt,
      );
    });
    box.replaceChildren(...cards);
    box.hidden = cards.length === 0;
  }

  // ---------------------------------------------------------------- alerts: sound, vibration, notifications

  const audio = { ctx: null };

  function unlockAudio() {
    const AC = window.AudioContext || window.webkitAudioContext;
    if (!AC) return;
    try {
      if (!audio.ctx) {
        audio.ctx = new AC();
        // A silent sample played inside the gesture unlocks audio on iOS.
        const buffer = audio.ctx.createBuffer(1, 1, 22050);
        const src = audio.ctx.createBufferSource();
        src.buffer = buffer;
        src.connect(audio.ctx.destination);
        src.start(0);
      }
      if (audio.ctx.state === 'suspended') audio.ctx.resume().catch(() => {});
    } catch (e) {
      audio.ctx = null;
    }
  }

  for (const type of ['pointerdown', 'keydown', 'touchend']) {
    document.addEventListener(type, unlockAudio, { capture: true, passive: true });
  }

  /** A short rising three-note chime, made with WebAudio (no sound file to download). */
  function chime() {
    const ctx = audio.ctx;
    if (!ctx) return;
    const play = () => {
      const t0 = ctx.currentTime + 0.03;
      [
        [784, 0],
        [1047, 0.16],
        [1568, 0.32],
      ].forEach(([freq, dt]) => {
        const osc = ctx.createOscillator();
        const gain = ctx.createGain();
        osc.type = 'sine';
        osc.frequency.value = freq;
        gain.gain.setValueAtTime(0.0001, t0 + dt);
        gain.gain.exponentialRampToValueAtTime(0.4, t0 + dt + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, t0 + dt + 0.55);
        osc.connect(gain);
        gain.connect(ctx.destination);
        osc.start(t0 + dt);
        osc.stop(t0 + dt + 0.6);
      });
    };
    if (ctx.state === 'running') play();
    else ctx.resume().then(play).catch(() => {});
  }

  function buzz(pattern) {
    try {
      if (navigator.vibrate) navigator.vibrate(pattern);
    } catch (e) {
      /* not allowed yet */
    }
  }

  function flashTitle(text) {
    if (!document.hidden) return;
    document.title = `(!) ${text}`;
    const restore = () => {
      if (!document.hidden) {
        document.title = state.bar.name;
        document.removeEventListener('visibilitychange', restore);
      }
    };
    document.addEventListener('visibilitychange', restore);
  }

  function notificationsSupported() {
    return 'Notification' in window && window.isSecureContext;
  }

  function offerNotifications() {
    if (!notificationsSupported() || Notification.permission !== 'default' || store.get(KEYS.asked)) return;
    $('#notify-button').hidden = false;
  }

  async function askNotifications() {
    store.set(KEYS.asked, true);
    $('#notify-button').hidden = true;
    try {
      const result = await Notification.requestPermission();
      if (result === 'granted') {
        registerWorker();
        toast("We'll notify you when your drink is ready.");
      }
    } catch (e) {
      /* older browsers: no promise API; skip */
    }
  }

  function registerWorker() {
    if (!('serviceWorker' in navigator) || !window.isSecureContext) return Promise.resolve(null);
    return navigator.serviceWorker.register('/static/sw.js', { scope: '/static/' }).catch(() => null);
  }

  async function systemNotify(title, body, tag) {
    if (!notificationsSupported() || Notification.permission !== 'granted') return;
    if (!document.hidden && document.hasFocus()) return; // the page itself shows it
    const options = { body, tag, renotify: true, icon: '/static/icon-192.png' };
    try {
      // Android Chrome only shows notifications through a service worker.
      const reg = await registerWorker();
      if (reg && reg.showNotification) {
        await reg.showNotification(title, options);
        return;
      }
    } catch (e) {
      /* fall through */
    }
    try {
      new Notification(title, options); // eslint-disable-line no-new
    } catch (e) {
      /* not supported */
    }
  }

  // ---------------------------------------------------------------- server notifications

  // What a guest must not miss is kept unread on the server until they have seen it:
  // in the inbox (the bell), or by acting on it ("Got it" on a pickup card, dismissing a
  // banner). It arrives first thing on every (re)connect, so a phone that slept through
  // "ready" still hears about it.
  function handleNotification(note) {
    if (!note || typeof note !== 'object' || typeof note.id !== 'number') return;
    const payload = note.payload || {};
    const known = state.inbox.get(note.id);
    state.inbox.set(note.id, { ...note, read: known ? known.read : false });
    let moot = false; // nothing left to tell: see below
    switch (note.type) {
      case 'ORDER_READY':
      case 'ORDER_REMINDER':
      case 'ORDER_CANCELLED':
      case 'ORDER_EXPIRED':
        if (payload.order_id) {
          // Also for a reminder: it may arrive before the orders have loaded.
          upsertOrder(payload);
          // react() alerts on changes it sees; a notification about a change this page
          // missed (it was closed at the time) still deserves its alert, unless the
          // order has moved on since (a ready drink already served). Alerts are deduped.
          const cur = state.orders.get(payload.order_id);
          const expected = note.type === 'ORDER_REMINDER' ? 'ready' : payload.status;
          // Moot: the order moved on since, or the guest already dismissed this alert
          // (it can arrive live before its stored notification does).
          moot = !cur || cur.status !== expected || state.acked.has(`${note.type}:${payload.order_id}`);
          if (!moot && note.type === 'ORDER_REMINDER') alertReminder(cur);
          else if (!moot && cur.status === 'ready') alertReady(cur);
          else if (!moot) alertEnded(cur);
        }
        break;
      case 'ANNOUNCEMENT':
        moot = state.acked.has(`ANNOUNCEMENT:${payload.event_id}`);
        if (!moot) showAnnouncement(payload.message, payload.event_id);
        break;
      default:
        break;
    }
    if (moot) readNotes([note.id]);
    renderInbox();
  }

  function showAnnouncement(message, eventId) {
    if (!message) return;
    const key = eventId !== undefined && eventId !== null ? `ann:${eventId}` : `ann:${message}`;
    if (state.seen.has(key)) return;
    state.seen.add(key);
    addMessage('announcement', String(message), {
      title: `From ${state.bar.name}`,
      onDismiss: () => {
        state.acked.add(`ANNOUNCEMENT:${eventId}`);
        readWhere((n) => n.type === 'ANNOUNCEMENT' && n.payload && n.payload.event_id === eventId);
      },
    });
    buzz([120]);
    systemNotify(state.bar.name, String(message), key);
  }

  function alertReminder(order) {
    const key = `remind:${order.order_id}`;
    if (state.seen.has(key)) return;
    state.seen.add(key);
    const text = `#${order.number} ${order.drink_name || 'Your drink'} is still waiting for you at the bar.`;
    addMessage('reminder', text, { title: 'Don’t forget your drink!', onDismiss: () => readAbout(order.order_id, ['ORDER_REMINDER']) });
    buzz([250, 120, 250]);
    chime();
    systemNotify(`#${order.number} is still waiting`, text, key);
  }

  // ---------------------------------------------------------------- signing out

  /** Two taps (no dialogs on a phone at a party): revoke this phone's session, then join view. */
  async function signOut() {
    const button = $('#sign-out');
    if (!button.dataset.confirm) {
      button.dataset.confirm = 'yes';
      button.textContent = 'Tap again to sign out';
      setTimeout(() => {
        delete button.dataset.confirm;
        button.textContent = 'Sign out on this phone';
      }, 4000);
      return;
    }
    delete button.dataset.confirm;
    button.textContent = 'Sign out on this phone';
    const refresh = state.tokens && state.tokens.refresh_token;
    try {
      if (refresh) await api('POST', '/api/auth/logout', { body: { refresh_token: refresh } });
    } catch (e) {
      /* signed out here all the same; the session dies with its tokens */
    }
    endSession('You’re signed out. Scan the QR code at the bar to join again.');
  }

  // ---------------------------------------------------------------- inbox

  const NOTE_TITLES = {
    ORDER_READY: (p) => [`#${p.number} ${p.drink_name || ''} is ready`, 'Pick it up at the bar.'],
    ORDER_REMINDER: (p) => [`#${p.number} ${p.drink_name || ''} is still waiting`, 'It’s ready at the bar.'],
    ORDER_CANCELLED: (p) => [`#${p.number} ${p.drink_name || ''} was cancelled`, p.cancel_reason || ''],
    ORDER_EXPIRED: (p) => [`#${p.number} ${p.drink_name || ''} expired`, p.cancel_reason || ''],
    ANNOUNCEMENT: (p) => [`From ${state.bar.name}`, p.message || ''],
  };

  function renderInbox() {
    const notes = [...state.inbox.values()].filter((n) => NOTE_TITLES[n.type]).sort((a, b) => b.id - a.id);
    const unread = notes.filter((n) => !n.read).length;
    const count = $('#inbox-count');
    count.textContent = unread > 9 ? '9+' : String(unread);
    count.hidden = unread === 0;
    const button = $('#inbox-button');
    button.hidden = !state.started;
    button.setAttribute('aria-label', unread ? `Notifications, ${unread} unread` : 'Notifications');
    $('#inbox-empty').hidden = notes.length > 0;
    $('#inbox-list').replaceChildren(
      ...notes.map((note) => {
        const [title, text] = NOTE_TITLES[note.type](note.payload || {});
        return el(
          'li',
          { class: 'inbox-item', 'data-type': note.type, 'data-read': String(note.read) },
          el('strong', { class: 'inbox-title', text: title.trim() }),
          text ? el('p', { class: 'inbox-text', text }) : null,
          el('time', { class: 'inbox-time muted', datetime: note.created_at, text: formatTime(note.created_at) }),
        );
      }),
    );
  }

  function openInbox() {
    renderInbox();
    $('#inbox').showModal();
    readWhere(() => true);
  }

  /** Mark notes read here and on the server. */
  function readNotes(ids) {
    for (const id of ids) {
      const note = state.inbox.get(id);
      if (note) note.read = true;
      markRead(id);
    }
    renderInbox();
  }

  function readWhere(predicate) {
    readNotes([...state.inbox.values()].filter((n) => !n.read && predicate(n)).map((n) => n.id));
  }

  /** The guest has seen these notifications about this order (`types`). */
  function readAbout(orderId, types) {
    for (const type of types) state.acked.add(`${type}:${orderId}`);
    readWhere((n) => n.payload && n.payload.order_id === orderId && types.includes(n.type));
  }

  function markRead(id) {
    state.toRead.add(id);
    clearTimeout(state.readTimer);
    state.readTimer = setTimeout(flushRead, 400);
  }

  async function flushRead() {
    if (!state.toRead.size || !state.tokens) return;
    const ids = [...state.toRead];
    try {
      await api('POST', '/api/notifications/read', { auth: true, body: { ids } });
      for (const id of ids) state.toRead.delete(id);
    } catch (e) {
      if (!(e instanceof SessionEnded)) state.readTimer = setTimeout(flushRead, 15000);
    }
  }

  async function syncNotifications() {
    if (!state.tokens) return;
    try {
      const data = await api('GET', '/api/notifications', { auth: true });
      for (const note of data.notifications || []) handleNotification(note);
    } catch (e) {
      /* next connect tries again */
    }
  }

  /** Live events that leave a notification behind: fetch and mark it read, a bit later. */
  function scheduleNotificationSync() {
    clearTimeout(state.notifySyncTimer);
    state.notifySyncTimer = setTimeout(syncNotifications, 1000 + Math.random() * 3000);
  }

  // ---------------------------------------------------------------- WebSocket

  // Connect, heartbeat, backoff and the `since` cursor live in live.js; the cursor is
  // kept in localStorage so that a reload carries on where the page left off.
  const live = createLive({
    canConnect: () => Boolean(state.tokens && state.user),
    lastEventId: store.get(KEYS.lastEvent),
    onLastEventId: (id) => store.set(KEYS.lastEvent, id),
    onOpen: (ws) => ws.send(JSON.stringify({ type: 'auth', token: state.tokens ? state.tokens.access_token : '' })),
    onMessage,
    onStateChange: (mode) => setLive(mode === 'offline' && !state.tokens ? 'hidden' : mode),
  });

  function onMessage(msg, ws) {
    switch (msg.type) {
      case 'auth_ok':
        state.authFailures = 0;
        // `display` (public, tiny events): how the queue ahead of our orders moves.
        live.subscribe(ws, [`orders/${state.user.user_key}`, 'config', 'announcements', 'display']);
        break;
      case 'subscribed': // live.js has reset the backoff, shown Live and set `since`
        // The database is the truth: reload what we may have missed while away.
        resyncOrders().catch(() => {});
        if (state.menuLoaded && state.everConnected) loadMenu().catch(() => {});
        state.everConnected = true;
        syncNotifications();
        break;
      case 'event':
        onEvent(msg);
        break;
      case 'notification':
        handleNotification(msg.notification);
        break;
      case 'resync':
        // Our `since` is too old (or from another database): reload everything over
        // REST (live.js carries on from where this subscription started).
        resyncOrders().catch(() => {});
        loadMenu().catch(() => {});
        break;
      case 'error':
        if (msg.code === 'signed_out') {
          endSession(SIGNED_OUT_MESSAGE);
          return;
        }
        if (msg.code === 'token_expired' || msg.code === 'token_invalid' || msg.code === 'unauthorized') {
          state.authFailures += 1;
          live.close();
          setLive('connecting');
          if (state.authFailures > 3) {
            endSession('Your session has ended. Scan the QR code at the bar to join again.');
            return;
          }
          refreshTokens().then(
            () => live.scheduleReconnect(),
            (e) => {
              if (!(e instanceof SessionEnded)) live.scheduleReconnect();
            },
          );
        }
        break;
      default:
        break;
    }
  }

  function onEvent(msg) {
    const ev = msg.event || {};
    const channel = String(msg.channel || '');
    switch (ev.type) {
      case 'NEW_ORDER':
      case 'ORDER_STATUS_CHANGED':
      case 'ORDER_EXPIRED':
        if (channel.startsWith('orders/')) {
          upsertOrder(ev);
          if (['ready', 'cancelled', 'expired'].includes(ev.status)) scheduleNotificationSync();
        } else if (channel === 'display' && ev.type !== 'NEW_ORDER') {
          // A new order joins behind ours; any other move may shorten our wait.
          scheduleEstimateRefresh();
        }
        break;
      case 'SHOP_STATUS_CHANGED':
        if (typeof ev.is_open === 'boolean' && ev.is_open !== state.bar.is_open) {
          state.bar.is_open = ev.is_open;
          renderBar();
          renderMenu();
          toast(ev.is_open ? 'The bar is open — order away!' : 'The bar just closed.');
        }
        break;
      case 'MENU_CHANGED': {
        const drink = state.drinksById.get(ev.drink_id);
        if (drink && typeof ev.is_active === 'boolean') {
          drink.is_active = ev.is_active;
          if (ev.name) drink.name = ev.name;
          renderMenu();
          updateSheetAvailability();
        } else {
          loadMenu().catch(() => {});
        }
        break;
      }
      case 'ANNOUNCEMENT':
        showAnnouncement(ev.message, msg.id);
        scheduleNotificationSync();
        break;
      case 'ORDER_REMINDER': {
        const cur = state.orders.get(ev.order_id);
        if (cur && cur.status === 'ready') alertReminder(cur);
        scheduleNotificationSync();
        break;
      }
      case 'GUEST_SIGNED_OUT':
        endSession(SIGNED_OUT_MESSAGE);
        break;
      default:
        break;
    }
  }

  window.addEventListener('online', () => {
    if (state.started) live.reconnectNow();
  });

  document.addEventListener('visibilitychange', () => {
    if (document.hidden || !state.started) return;
    // Phones drop sockets in the background: reconnect and reload on return.
    if (!live.isOpen()) live.reconnectNow();
    else resyncOrders().catch(() => {});
  });

  // ---------------------------------------------------------------- tabs

  function showTab(name) {
    state.tab = name;
    for (const tab of ['menu', 'orders']) {
      const selected = tab === name;
      const button = $(`#tab-${tab}`);
      button.setAttribute('aria-selected', String(selected));
      button.tabIndex = selected ? 0 : -1;
      $(`#${tab}-panel`).hidden = !selected;
    }
    if (name === 'orders') offerNotificationsIfOrdered();
  }

  function offerNotificationsIfOrdered() {
    if (state.orders.size) offerNotifications();
  }

  // ---------------------------------------------------------------- join

  const JOIN_ERRORS = {
    code_missing: 'Scan the QR code at the bar to join.',
    code_invalid: "That QR code isn't valid. Scan the code at the bar again.",
    code_expired: 'This invite has expired. Ask the host for a new one.',
    code_revoked: 'This invite was withdrawn. Ask the host for a new one.',
    code_used_up: 'This invite has been used up. Ask the host for a new one.',
  };

  function showJoin(notice) {
    showView('join');
    setLive('hidden');
    const code = state.joinCode;
    $('#join-no-code').hidden = Boolean(code);
    $('#join-form').hidden = !code;
    const n = $('#join-notice');
    n.textContent = notice || '';
    n.hidden = !notice;
    $('#join-error').hidden = true;
    if (code) setTimeout(() => $('#username').focus(), 0);
  }

  async function submitJoin(event) {
    event.preventDefault();
    const button = $('#join-submit');
    if (button.disabled) return;
    const input = $('#username');
    const name = input.value.trim();
    const err = $('#join-error');
    const fail = (message) => {
      err.textContent = message;
      err.hidden = false;
      input.setAttribute('aria-invalid', 'true');
    };
    if ([...name].length < 2 || [...name].length > 50) {
      fail('Please enter a name of 2 to 50 characters.');
      input.focus();
      return;
    }
    const code = state.joinCode;
    if (!code || !/^[\x21-\x7e]{1,200}$/.test(code)) {
      fail("That QR code doesn't look right. Scan the code at the bar again.");
      return;
    }
    err.hidden = true;
    input.removeAttribute('aria-invalid');
    button.disabled = true;
    button.textContent = 'Joining…';
    try {
      const data = await api('POST', '/api/register', {
        headers: { 'X-Registration-Code': code },
        body: { username: name },
      });
      state.seen.clear();
      state.dismissed.clear();
      state.acked.clear();
      store.del(KEYS.lastEvent);
      live.lastEventId = null;
      setTokens(data);
      state.user = data.user;
      store.set(KEYS.user, data.user);
      // In pop-up mode the code that registered us is also today's scan code.
      if (state.bar.mode === 'popup') rememberScanCode(code);
      state.joinCode = null;
      history.replaceState(null, '', '/');
      startApp();
    } catch (e) {
      fail(JOIN_ERRORS[e.code] || e.message);
    } finally {
      button.disabled = false;
      button.textContent = 'Join the bar';
    }
  }

  // ---------------------------------------------------------------- start

  // With no move at all the clock still shortens the wait (the drink being made gets
  // closer to done): refresh now and then too, only while we have an order queued.
  const ESTIMATE_EVERY_MS = 60_000;

  // One timer for the page's life (startApp runs again after a sign-out and a new join);
  // scheduleEstimateRefresh does nothing without a queued order.
  setInterval(() => {
    if (!document.hidden) scheduleEstimateRefresh();
  }, ESTIMATE_EVERY_MS);

  function startApp() {
    state.started = true;
    showView('app');
    $('#greeting').textContent = `Hi ${state.user.username}! What can we make you?`;
    renderBar();
    renderMenu();
    renderOrders();
    renderPickups();
    renderInbox();
    showTab(state.tab);
    scheduleRefresh();
    resyncOrders().catch((e) => {
      if (!(e instanceof SessionEnded)) toast(e.message, 5000);
    });
    live.connect();
  }

  async function boot() {
    const params = new URLSearchParams(location.search);
    const code = (params.get('code') || '').trim();
    if (code) state.joinCode = code;
    showView('loading');
    try {
      await loadMenu();
    } catch (e) {
      showError(e.message || NETWORK_MESSAGE, boot);
      return;
    }
    if (state.tokens && state.tokens.refresh_token && state.user && state.user.user_key) {
      if (code) {
        if (state.bar.mode === 'popup') rememberScanCode(code);
        state.joinCode = null;
        history.replaceState(null, '', '/');
      }
      startApp();
    } else {
      state.tokens = null;
      showJoin();
    }
  }

  // Wire the static controls once.
  $('#join-form').addEventListener('submit', submitJoin);
  $('#username').addEventListener('input', () => {
    $('#username').removeAttribute('aria-invalid');
  });
  $('#order-form').addEventListener('submit', submitOrder);
  $('#sheet-close').addEventListener('click', closeSheet);
  $('#order-sheet').addEventListener('close', () => {
    state.sheet = null;
  });
  $('#order-sheet').addEventListener('click', (e) => {
    if (e.target === e.currentTarget) closeSheet(); // a tap on the backdrop
  });
  $('#order-note').addEventListener('input', () => {
    $('#note-count').textContent = `${$('#order-note').value.length}/200`;
  });
  $('#tab-menu').addEventListener('click', () => showTab('menu'));
  $('#tab-orders').addEventListener('click', () => showTab('orders'));
  $('.tabs').addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
    const next = state.tab === 'menu' ? 'orders' : 'menu';
    showTab(next);
    $(`#tab-${next}`).focus();
  });
  $('#notify-button').addEventListener('click', askNotifications);
  $('#inbox-button').addEventListener('click', openInbox);
  $('#sign-out').addEventListener('click', signOut);
  $('#inbox-close').addEventListener('click', () => $('#inbox').close());
  $('#inbox').addEventListener('click', (e) => {
    if (e.target === e.currentTarget) $('#inbox').close(); // a tap on the backdrop
  });

  boot();
})();
