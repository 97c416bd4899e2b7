/* bar, guest page: the notifications inbox (the bell), kept unread on the server until
 * the guest has seen them. What arrives, and the alert it brings, is socket.js's. */

import { $, el } from '../common.js';
import { t } from '../i18n.js';
import { api } from './api.js';
import { announcementText, formatTime, reasonText } from './format.js';
import { SessionEnded } from './http.js';
import { pickupPlace, state } from './state.js';

const what = (p) => `#${p.number} ${p.drink_name || ''}`.trim();

const NOTE_TITLES = {
  ORDER_READY: (p) => [t('inbox.ready', { what: what(p) }), t('inbox.pick_up', { place: pickupPlace(p) })],
  ORDER_REMINDER: (p) => [t('inbox.waiting', { what: what(p) }), t('inbox.ready_at', { place: pickupPlace(p) })],
  ORDER_CANCELLED: (p) => [t('inbox.cancelled', { what: what(p) }), reasonText(p)],
  ORDER_EXPIRED: (p) => [t('inbox.expired', { what: what(p) }), reasonText(p)],
  ANNOUNCEMENT: (p) => [t('inbox.from', { bar: state.bar.name }), announcementText(p)],
};

export function renderInbox() {
  const notes = [...state.inbox.values()].filter((n) => NOTE_TITLES[n.type]).sort((a, b) => b.id - a.id);
  const unread = notes.filter((n) => !n.read).length;
  const count = $('#inbox-count');
  count.textContent = unread > 9 ? '9+' : String(unread);
  count.hidden = unread === 0;
  const button = $('#inbox-button');
  button.hidden = !state.started;
  button.setAttribute('aria-label', unread ? t('inbox.unread', { count: unread }) : t('inbox.title'));
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
export function readNotes(ids) {
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
