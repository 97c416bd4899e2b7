/* bar, guest page: placing the order the sheet holds, and what each refusal means for
 * the page (the bar closed, a drink ran out, a stale scan code). */

import { $ } from '../common.js';
import { t } from '../i18n.js';
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
export const ORDER_ERRORS = Object.fromEntries([
  'shop_closed', 'queue_full', 'too_many_open_orders', 'scan_code_missing', 'scan_code_invalid',
  'scan_code_stale', 'window_spent', 'drink_unavailable', 'not_found',
].map((code) => [code, t(`order_error.${code}`)]));

export async function submitOrder(event) {
  event.preventDefault();
  const s = state.sheet;
  if (!s || s.sending) return;
  const button = $('#order-button');
  if (button.disabled) return;
  s.sending = true;
  button.disabled = true;
  button.textContent = t('ordering');
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
    toast(order ? t('ordered_number', { number: order.number }) : t('ordered'));
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
