/* bar, guest page: "My orders" and the pickup card. */

import { $, el } from '../common.js';
import { t, tNodes } from '../i18n.js';
import { api } from './api.js';
import { firstName, formatTime, humanize, reasonText } from './format.js';
import { SessionEnded } from './http.js';
import { readAbout } from './inbox.js';
import { OPEN_STATUSES, QUEUE_STATUSES, resyncOrders, sortedOrders, upsertOrder } from './orders.js';
import { drinkName, menuWord, pickupPlace, state } from './state.js';
import { toast } from './views.js';

function estimateText(order) {
  const estimate = QUEUE_STATUSES.has(order.status) ? order.estimate : null;
  return estimate && estimate.label ? `#${order.number} · ${estimate.label}` : '';
}

function positionText(order) {
  const position = order.status === 'pending' && order.estimate ? order.estimate.position : null;
  if (!position) return '';
  if (position === 1) return t('orders.next');
  return position === 2 ? t('orders.one_ahead') : t('orders.ahead', { count: position - 1 });
}

function statusText(order) {
  switch (order.status) {
    case 'pending':
      return t('status.pending');
    case 'preparing':
      return order.barista ? t('status.preparing_by', { barista: order.barista }) : t('status.preparing');
    case 'ready':
      return t('status.ready');
    case 'served':
      return t('status.served');
    case 'cancelled':
      return t('status.cancelled');
    case 'expired':
      return t('status.expired');
    default:
      return humanize(order.status || 'unknown');
  }
}

function modifiersText(order) {
  const modifiers = order.modifiers;
  if (!modifiers || typeof modifiers !== 'object') return '';
  const drink = state.drinksById.get(order.drink_id);
  return Object.entries(modifiers)
    .map(([name, value]) => `${humanize(menuWord(drink, name))}: ${menuWord(drink, value)}`)
    .join(' · ');
}

export function renderOrders() {
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

/** An order of the guest's on "My orders": scrolled into view, highlighted a moment. */
export function spotlightOrder(orderId) {
  clearTimeout(spotlightTimer);
  state.spotlight = orderId;
  renderOrders();
  requestAnimationFrame(() => {
    const card = document.querySelector(`.order[data-order-id="${CSS.escape(orderId)}"]`);
    if (card) card.scrollIntoView({ block: 'center' });
  });
  spotlightTimer = setTimeout(() => {
    state.spotlight = null;
    renderOrders();
  }, SPOTLIGHT_MS);
}

const SPOTLIGHT_MS = 3000;
let spotlightTimer = null;

function orderItem(order) {
  const li = el('li', {
    class: `order card status-${order.status}${order.order_id === state.spotlight ? ' spotlight' : ''}`,
    'data-number': order.number,
    'data-order-id': order.order_id,
    'data-status': order.status,
  });
  li.append(el('div', { class: 'order-number', 'aria-label': t('orders.number', { number: order.number }), text: `#${order.number}` }));
  const body = el('div', { class: 'order-body' });
  body.append(el('p', { class: 'order-drink', text: drinkName(order, order.drink_id || t('alert.your_drink')) }));
  const mods = modifiersText(order);
  if (mods) body.append(el('p', { class: 'order-mods', text: mods }));
  if (order.note) body.append(el('p', { class: 'order-note', text: `“${order.note}”` }));
  body.append(el('p', { class: `status badge badge-${order.status}`, 'data-status': order.status, text: statusText(order) }));
  const estimate = estimateText(order);
  if (estimate) body.append(el('p', { class: 'order-estimate', text: estimate }));
  const position = positionText(order);
  if (position) body.append(el('p', { class: 'order-position', text: position }));
  const reason = order.status === 'cancelled' || order.status === 'expired' ? reasonText(order) : '';
  if (reason) body.append(el('p', { class: 'order-reason', text: reason }));
  const time = formatTime(order.created_at);
  if (time) body.append(el('p', { class: 'order-time', text: t('orders.ordered_at', { time }) }));
  if (order.status === 'pending') {
    const confirming = state.cancelConfirm.has(order.order_id);
    const cancel = el('button', {
      type: 'button',
      class: `button ${confirming ? 'danger' : 'secondary'} cancel-button`,
      text: confirming ? t('orders.cancel_confirm') : t('orders.cancel'),
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
  button.textContent = t('orders.cancelling');
  state.seen.add(`cancelled:${id}`); // the guest did it: no "your order was cancelled" alert
  try {
    const data = await api('POST', `/api/orders/${encodeURIComponent(id)}/cancel`, { auth: true, body: {} });
    if (data.order) upsertOrder(data.order);
    toast(t('orders.cancelled', { number: order.number }));
  } catch (e) {
    if (e instanceof SessionEnded) return;
    toast(e.code === 'invalid_transition' ? t('orders.too_late') : e.message, 5000);
    resyncOrders().catch(() => {});
    renderOrders();
  }
}

/** The pickup card: the one thing a guest must not miss, above everything else. */
export function renderPickups() {
  const box = $('#ready-banner');
  const ready = sortedOrders().filter((o) => o.status === 'ready' && !state.dismissed.has(`pickup:${o.order_id}`));
  const cards = ready.map((order) => {
    const gotIt = el('button', { type: 'button', class: 'button pickup-dismiss', text: t('pickup.got_it') });
    gotIt.addEventListener('click', () => {
      state.dismissed.add(`pickup:${order.order_id}`);
      readAbout(order.order_id, ['ORDER_READY']);
      renderPickups();
    });
    const name = state.user ? firstName(state.user.username) : '';
    return el(
      'section',
      { class: 'pickup', 'data-number': order.number, 'aria-label': t('pickup.label', { number: order.number }) },
      el('p', { class: 'pickup-kicker', text: t('pickup.kicker', { place: pickupPlace(order) }) }),
      el('p', { class: 'pickup-number', text: `#${order.number}` }),
      el(
        'p',
        { class: 'pickup-drink' },
        el('span', { text: drinkName(order) }),
        name ? el('span', { class: 'pickup-name' }, ' ', ...tNodes('pickup.for', { name: el('bdi', { text: name }) })) : null,
      ),
      gotIt,
    );
  });
  box.replaceChildren(...cards);
  box.hidden = cards.length === 0;
}
