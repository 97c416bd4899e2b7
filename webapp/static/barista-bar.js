/* bar: the barista view's bar controls: open/closed, and the drinks (barista-drinks.js).
 *
 * Both go through the admin API and follow the `config` channel, so a change made at
 * the kiosk or from the CLI shows here too.
 *
 *   const bar = createBar(session);            // session: barista-session.js
 *   bar.load(menu);                            // GET /api/menu's {bar, drinks}
 *   bar.onEvent(event);                        // a `config` channel event
 *
 * With a station (`/barista?station=coffee`), the switch is that station's, and the
 * drinks are the ones it makes.
 */

import { createDrinks } from './barista-drinks.js';
import { $ } from './common.js';
import { t } from './i18n.js';

export function create(session, station = '') {
  let isOpen = true;
  let closeArmed = null;
  const drinks = createDrinks(session, station);

  function setShop(open) {
    isOpen = open;
    const status = $('#shop-status');
    status.textContent = open ? t('shop.open') : t('shop.closed');
    status.dataset.open = String(open);
    disarmClose();
  }

  function disarmClose() {
    clearTimeout(closeArmed);
    closeArmed = null;
    const button = $('#shop-toggle');
    button.textContent = isOpen
      ? (station ? t('shop.close_station') : t('shop.close_bar'))
      : (station ? t('shop.open_station') : t('shop.open_bar'));
    button.classList.remove('danger');
  }

  async function toggleShop() {
    // Closing stops every guest from ordering: it takes a second tap.
    if (isOpen && !closeArmed) {
      const button = $('#shop-toggle');
      button.textContent = t('shop.confirm_close');
      button.classList.add('danger');
      closeArmed = setTimeout(disarmClose, 4000);
      return;
    }
    try {
      const body = station ? { is_open: !isOpen, station } : { is_open: !isOpen };
      const data = await session.api('/api/admin/shop', { method: 'POST', body });
      setShop(data.is_open);
    } catch (e) {
      disarmClose();
      session.failed(e, t('error.shop'));
    }
  }

  function load(menu) {
    if (!menu) return;
    const mine = station && menu.bar && (menu.bar.stations || []).find((s) => s.id === station);
    setShop(!((mine || menu.bar || {}).is_open === false));
    drinks.refresh();
  }

  function onEvent(ev) {
    if (ev.type === 'SHOP_STATUS_CHANGED') {
      if ((ev.station || '') === station) setShop(ev.is_open);
    } else drinks.onEvent(ev);
  }

  $('#shop-toggle').addEventListener('click', toggleShop);

  return { load, onEvent };
}
