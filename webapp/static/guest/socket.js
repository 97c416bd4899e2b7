/* bar, guest page: the live connection: auth, channels, and what each event and each
 * notification means. */

import { t } from '../i18n.js';
import { create as createLive } from '../live.js';
import { alertEnded, alertReady, alertReminder, showAnnouncement } from './alerts.js';
import { api } from './api.js';
import { SessionEnded, SIGNED_OUT_MESSAGE } from './http.js';
import { readNotes, renderInbox } from './inbox.js';
import { applyMenuChange, applyShop, loadMenu } from './menu.js';
import { resyncOrders, scheduleEstimateRefresh, upsertOrder } from './orders.js';
import { emit, state } from './state.js';
import { KEYS, store } from './store.js';
import { refreshTokens } from './tokens.js';
import { setLive } from './views.js';

// Connect, heartbeat, backoff and the `since` cursor live in live.js; the cursor is
// kept in localStorage so that a reload carries on where the page left off.
export const live = createLive({
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
        emit('session-ended', SIGNED_OUT_MESSAGE);
        return;
      }
      if (msg.code === 'token_expired' || msg.code === 'token_invalid' || msg.code === 'unauthorized') {
        state.authFailures += 1;
        live.close();
        setLive('connecting');
        if (state.authFailures > 3) {
          emit('session-ended', t('session.ended'));
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
    case 'SHOP_STATUS_CHANGED': // opened, closed, the queue full or with room again
      applyShop(ev);
      break;
    case 'MENU_CHANGED': // a drink added, edited, retired, photographed, in or out of stock
      if (!applyMenuChange(ev)) loadMenu().catch(() => {});
      break;
    case 'ANNOUNCEMENT':
      showAnnouncement(ev, msg.id);
      scheduleNotificationSync();
      break;
    case 'ORDER_REMINDER': {
      const cur = state.orders.get(ev.order_id);
      if (cur && cur.status === 'ready') alertReminder(cur);
      scheduleNotificationSync();
      break;
    }
    case 'GUEST_SIGNED_OUT':
      emit('session-ended', SIGNED_OUT_MESSAGE);
      break;
    default:
      break;
  }
}

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
        // react() in orders.js alerts on changes it sees; a notification about a change
        // this page missed (it was closed at the time) still deserves its alert, unless
        // the order has moved on since (a ready drink already served). Alerts are deduped.
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
      if (!moot) showAnnouncement(payload, payload.event_id);
      break;
    default:
      break;
  }
  if (moot) readNotes([note.id]);
  renderInbox();
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
