/* bar, guest page: which view shows, the toast, banners, the Live badge. */

import { t } from '../i18n.js';
import { $, el } from '../common.js';

export function showView(name) {
  for (const view of ['loading', 'error', 'join', 'app']) {
    $(`#${view}-view`).hidden = view !== name;
  }
}

export function showError(message, retry) {
  $('#error-text').textContent = message;
  $('#error-retry').onclick = null;
  $('#error-retry').addEventListener('click', retry, { once: true });
  showView('error');
}

export function toast(message, ms = 3500) {
  const t = $('#toast');
  t.textContent = message;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => {
    t.hidden = true;
  }, ms);
}

/** A dismissible banner under the top bar (announcements, cancellations, expiries). */
export function addMessage(kind, text, { title, onDismiss, orderId } = {}) {
  const box = el('div', { class: `message banner message-${kind}`, role: kind === 'announcement' ? 'alert' : 'status', 'data-kind': kind });
  if (orderId) box.dataset.order = orderId;
  const body = el('div', { class: 'message-body' });
  if (title) body.append(el('strong', { class: 'message-title', text: title }));
  body.append(el('p', { class: 'message-text', text }));
  const close = el('button', { type: 'button', class: 'icon-button dismiss', 'aria-label': t('dismiss'), text: '✕' });
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

/** Take away the banners about one order (it came back: the barista recalled it). */
export function dropMessages(orderId) {
  for (const box of document.querySelectorAll('#messages [data-order]')) {
    if (box.dataset.order === orderId) box.remove();
  }
}

export function setLive(mode) {
  const ind = $('#live-indicator');
  ind.hidden = mode === 'hidden';
  ind.dataset.state = mode;
  ind.textContent = mode === 'live' ? t('live.live') : t('live.offline');
  ind.title = mode === 'live' ? t('live.live_title') : t('live.offline_title');
}
