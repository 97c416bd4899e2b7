/* bar: the guest page (served at /, /j/CODE and /join?code=…).
 *
 * Vanilla JS in native ES modules, no build step, no CDN. The page is served under a
 * strict CSP, so there is no inline code anywhere, and every piece of text that comes
 * from a guest or the server (names, notes, drinks, announcements) goes into the page
 * with textContent or Text nodes, never as HTML.
 *
 * The database is the source of truth: the page loads orders over REST and the
 * WebSocket only speeds things up. After every (re)connect the page re-fetches its
 * orders, and every update is merged by `updated_at`, so events and REST answers can
 * arrive in any order.
 *
 * This module starts the page and wires its static controls and the parts together.
 * The parts live in guest/; from the top down, each line imports only lines below it:
 *   session: joining, starting the page, signing out, a session's end
 *   socket (live events and notifications), ordering (placing an order), order-list
 *   orders: the guest's orders, merged from REST answers and live events
 *   alerts: what a guest must notice
 *   menu (the bar and its drinks), inbox (the bell and its read marks)
 *   api (requests with the guest's token), push (lock-screen notifications), sheet
 *   (the order sheet), tabs
 *   tokens, notify (the browser's notifications), views (views, toast, banners)
 *   state: what the page holds, and its "something changed" notices
 *   store (what the page keeps), http (a bare request and its errors), format
 * A lower part tells a higher one that something changed with state.js's `emit`;
 * the listeners are wired here, on top of them all.
 */

import { $ } from './common.js';
import { setupLanguageSwitcher, translatePage } from './i18n.js';
import { unlockAudioOnGesture } from './guest/alerts.js';
import { initAssistant, pickForTastes, updateDraftAvailability } from './guest/assistant.js';
import { NETWORK_MESSAGE } from './guest/http.js';
import { openInbox } from './guest/inbox.js';
import { loadMenu, setupMenuFilters } from './guest/menu.js';
import { renderOrders, renderPickups, spotlightOrder } from './guest/order-list.js';
import { submitOrder } from './guest/ordering.js';
import { resyncOrders, scheduleEstimateRefresh } from './guest/orders.js';
import { askNotifications } from './guest/push.js';
import { cleanCode, endSession, joinAnyway, showJoin, signOut, startApp, submitCode, submitJoin } from './guest/session.js';
import { closeSheet } from './guest/sheet.js';
import { live } from './guest/socket.js';
import { on, state } from './guest/state.js';
import { rememberScanCode } from './guest/store.js';
import { showTab } from './guest/tabs.js';
import { followOtherTabs } from './guest/tokens.js';
import { showError, showView } from './guest/views.js';

// With no move at all the clock still shortens the wait (the drink being made gets
// closer to done): refresh now and then too, only while we have an order queued.
const ESTIMATE_EVERY_MS = 60_000;

/** The code a QR code or a link brought: `/j/CODE` (short) or `/join?code=CODE`. */
function codeFromAddress() {
  const short = location.pathname.match(/^\/j\/([^/]+)\/?$/);
  let code = new URLSearchParams(location.search).get('code') || '';
  if (!code && short) {
    try {
      code = decodeURIComponent(short[1]);
    } catch (e) {
      code = '';
    }
  }
  return cleanCode(code);
}

/**
 * The order a ticket's QR code brought (`/?order=ID`, bar/tickets.py), taken off the
 * address at once so that a reload does not open it again.
 */
function orderFromAddress() {
  const url = new URL(location.href);
  const orderId = url.searchParams.get('order');
  if (orderId === null) return null;
  url.searchParams.delete('order');
  history.replaceState(history.state, '', `${url.pathname}${url.search}${url.hash}`);
  return orderId;
}

async function boot() {
  const ticketOrder = orderFromAddress();
  const code = codeFromAddress();
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
    const synced = startApp();
    const opened = location.hash.match(/^#order-([\w-]+)$/);
    if (opened) openOrder(opened[1]);
    else if (ticketOrder) synced.then(() => openTicketOrder(ticketOrder));
  } else {
    state.tokens = null;
    showJoin();
  }
}

/** A tap on a lock-screen notification: its order, on "My orders". */
function openOrder(orderId) {
  history.replaceState(null, '', '/');
  showTab('orders');
  spotlightOrder(orderId);
}

/**
 * A ticket's QR code, scanned: its order on "My orders" if it is this guest's. The page
 * knows only the guest's own orders (GET /api/orders), so someone else's ticket, or an
 * old one, opens the page as it is.
 */
function openTicketOrder(orderId) {
  if (!state.orders.has(orderId)) return;
  showTab('orders');
  spotlightOrder(orderId);
}

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.addEventListener('message', (e) => {
    if (e.data && e.data.type === 'open-order' && state.started) openOrder(String(e.data.order_id));
  });
}

// What the parts below tell the parts above (see state.js).
on('orders-changed', () => {
  renderOrders();
  renderPickups();
});
on('session-ended', endSession);
on('tastes-changed', pickForTastes);
on('availability-changed', updateDraftAvailability);

followOtherTabs();
unlockAudioOnGesture();

window.addEventListener('online', () => {
  if (state.started) live.reconnectNow();
});

document.addEventListener('visibilitychange', () => {
  if (document.hidden || !state.started) return;
  // Phones drop sockets in the background: reconnect and reload on return.
  if (!live.isOpen()) live.reconnectNow();
  else resyncOrders().catch(() => {});
});

// One timer for the page's life (startApp runs again after a sign-out and a new join);
// scheduleEstimateRefresh does nothing without a queued order.
setInterval(() => {
  if (!document.hidden) scheduleEstimateRefresh();
}, ESTIMATE_EVERY_MS);

// Wire the static controls once.
translatePage();
setupLanguageSwitcher($('#language'));
$('#join-form').addEventListener('submit', submitJoin);
$('#code-form').addEventListener('submit', submitCode);
$('#join-anyway').addEventListener('click', joinAnyway);
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
setupMenuFilters();
$('#tab-menu').addEventListener('click', () => showTab('menu'));
$('#tab-orders').addEventListener('click', () => showTab('orders'));
$('.tabs').addEventListener('keydown', (e) => {
  if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
  const next = state.tab === 'menu' ? 'orders' : 'menu';
  showTab(next);
  $(`#tab-${next}`).focus();
});
$('#notify-button').addEventListener('click', askNotifications);
initAssistant();
$('#inbox-button').addEventListener('click', openInbox);
$('#sign-out').addEventListener('click', signOut);
$('#inbox-close').addEventListener('click', () => $('#inbox').close());
$('#inbox').addEventListener('click', (e) => {
  if (e.target === e.currentTarget) $('#inbox').close(); // a tap on the backdrop
});

boot();
