/* bar, guest page: the guest's orders, merged from REST answers and live events.
 *
 * The database is the source of truth: every update is merged by `updated_at` (and
 * the status's rank), so events and REST answers can arrive in any order. */

import { ts } from '../common.js';
import { isOlder, OPEN } from '../status.js';
import { alertEnded, alertReady } from './alerts.js';
import { api } from './api.js';
import { readAbout } from './inbox.js';
import { emit, state } from './state.js';
import { showTab } from './tabs.js';
import { dropMessages } from './views.js';

export const OPEN_STATUSES = new Set(OPEN);
export const QUEUE_STATUSES = new Set(['pending', 'preparing']); // orders with a wait estimate

export function upsertOrder(order, { render = true } = {}) {
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
  if (render) emit('orders-changed');
}

/** What a guest must notice: a drink becoming ready, an order cancelled or expired. */
function react(prev, order) {
  const id = order.order_id;
  if (prev && !OPEN_STATUSES.has(prev.status) && OPEN_STATUSES.has(order.status)) {
    // Back at the bar: the barista recalled a move (bar/history.py). What was said of
    // its end no longer holds, and what comes next (ready again) is news again.
    dropMessages(id);
    state.dismissed.delete(`pickup:${id}`);
    for (const key of [`ready:${id}`, `cancelled:${id}`, `expired:${id}`]) state.seen.delete(key);
    for (const type of ['ORDER_READY', 'ORDER_REMINDER', 'ORDER_CANCELLED']) state.acked.delete(`${type}:${id}`);
  }
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

export async function resyncOrders() {
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
  emit('orders-changed');
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
export function scheduleEstimateRefresh() {
  if (state.estimateTimer || !state.tokens || !hasQueuedOrder()) return;
  state.estimateTimer = setTimeout(() => {
    state.estimateTimer = null;
    resyncOrders().catch(() => {});
  }, 1000 + Math.random() * 2000);
}

export function sortedOrders() {
  return [...state.orders.values()].sort((a, b) => ts(b.created_at) - ts(a.created_at) || b.number - a.number);
}
