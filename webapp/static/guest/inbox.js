/* bar, guest page: the notifications inbox (the bell), kept unread on the server. */

import { $, el } from '../common.js';
import { alertEnded, alertReady, alertReminder, showAnnouncement } from './alerts.js';
import { api } from './api.js';
import { formatTime } from './format.js';
import { SessionEnded } from './http.js';
import { upsertOrder } from './orders.js';
import { state } from './state.js';

// What a guest must not miss is kept unread on the server until they have seen it:
// in the inbox (the bell), or by acting on it ("Got it" on a pickup card, dismissing a
// banner). It arrives first thing on every (re)connect, so a phone that slept through
// "ready" still hears about it.
export function handleNotification(note) {
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

const NOTE_TITLES = {
  ORDER_READY: (p) => [`#${p.number} ${p.drink_name || ''} is ready`, 'Pick it up at the bar.'],
  ORDER_REMINDER: (p) => [`#${p.number} ${p.drink_name || ''} is still waiting`, 'It’s ready at the bar.'],
  ORDER_CANCELLED: (p) => [`#${p.number} ${p.drink_name || ''} was cancelled`, p.cancel_reason || ''],
  ORDER_EXPIRED: (p) => [`#${p.number} ${p.drink_name || ''} expired`, p.cancel_reason || ''],
  ANNOUNCEMENT: (p) => [`From ${state.bar.name}`, p.message || ''],
};

export function renderInbox() {
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

export function openInbox() {
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

export function readWhere(predicate) {
  readNotes([...state.inbox.values()].filter((n) => !n.read && predicate(n)).map((n) => n.id));
}

/** The guest has seen these notifications about this order (`types`). */
export function readAbout(orderId, types) {
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

export async function syncNotifications() {
  if (!state.tokens) return;
  try {
    const data = await api('GET', '/api/notifications', { auth: true });
    for (const note of data.notifications || []) handleNotification(note);
  } catch (e) {
    /* next connect tries again */
  }
}

/** Live events that leave a notification behind: fetch and mark it read, a bit later. */
export function scheduleNotificationSync() {
  clearTimeout(state.notifySyncTimer);
  state.notifySyncTimer = setTimeout(syncNotifications, 1000 + Math.random() * 3000);
}
