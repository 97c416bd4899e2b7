/* bar: order statuses as every page sees them (the guest page, the board, the barista).
 *
 * The status machine itself lives in the core (`bar/`); a page only needs to know
 * which statuses are still open and which of two states of one order is the later,
 * when a live event and a REST answer cross on the way.
 */

import { ts } from './common.js';

/** How far along an order is: a later state never gives way to an earlier one. */
export const RANK = Object.freeze({ pending: 0, preparing: 1, ready: 2, served: 3, cancelled: 3, expired: 3 });

/** Orders still at the bar, in the order they move. */
export const OPEN = Object.freeze(['pending', 'preparing', 'ready']);

/** Is `a` an older state of the same order than `b`? By `updated_at`, then by rank. */
export function isOlder(a, b) {
  const ta = ts(a.updated_at);
  const tb = ts(b.updated_at);
  if (ta !== tb) return ta < tb;
  return (RANK[a.status] ?? 0) < (RANK[b.status] ?? 0);
}
