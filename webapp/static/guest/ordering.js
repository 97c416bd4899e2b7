/* bar, guest page: placing the order the sheet holds, and what each refusal means for
 * the page (the bar closed, a drink ran out, a stale scan code). */

import { $ } from '../common.js';
import { api } from './api.js';
import { NETWORK_MESSAGE, SessionEnded } from './http.js';
import { loadMenu, renderBar, renderMenu } from './menu.js';
import { offerNotifications } from './notify.js';
import { upsertOrder } from './orders.js';
import { closeSheet, setOrderError, updateSheetAvailability } from './sheet.js';
import { state } from './state.js';
import { KEYS, scanCode, store } from './store.js';
import { showTab } from './tabs.js';
import { toast } from './views.js';

/** What each refusal means to a guest (the assistant's drafts use them too). */
export const ORDER_ERRORS = {
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

export async function submitOrder(event) {
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
    if (e.code === 'shop_closed' || e.code === 'queue_full') {
      // Live events put it right again (room in the queue, the bar open).
      if (e.code === 'shop_closed') state.bar.is_open = false;
      else state.bar.queue_full = true;
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
