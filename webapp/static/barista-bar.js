/* bar: the barista view's bar controls: open/closed, and drinks in or out of stock.
 *
 * Both go through the admin API and follow the `config` channel, so a change made at
 * the kiosk or from the CLI shows here too.
 *
 *   const bar = createBar(session);            // session: barista-session.js
 *   bar.load(menu);                            // GET /api/menu's {bar, drinks}
 *   bar.onEvent(event);                        // a `config` channel event
 *
 * With a station (`/barista?station=coffee`), the switch is that station's.
 */

import { $, el } from './common.js';

export function create(session, station = '') {
  let isOpen = true;
  const what = station ? 'station' : 'bar';
  let closeArmed = null;
  let drinks = [];

  function setShop(open) {
    isOpen = open;
    const status = $('#shop-status');
    status.textContent = open ? 'Open' : 'Closed';
    status.dataset.open = String(open);
    disarmClose();
  }

  function disarmClose() {
    clearTimeout(closeArmed);
    closeArmed = null;
    const button = $('#shop-toggle');
    button.textContent = isOpen ? `Close ${what}` : `Open ${what}`;
    button.classList.remove('danger');
  }

  async function toggleShop() {
    // Closing stops every guest from ordering: it takes a second tap.
    if (isOpen && !closeArmed) {
      const button = $('#shop-toggle');
      button.textContent = 'Tap again to close';
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
      session.failed(e, 'Opening or closing the bar');
    }
  }

  function renderDrinks() {
    const out = drinks.filter((d) => d.is_active === false).length;
    $('#drinks-button').textContent = out ? `Drinks (${out} out)` : 'Drinks';
    $('#drink-list').replaceChildren(...drinks.map((drink) => {
      const li = el('li', 'stock-row');
      li.dataset.id = drink.id;
      const inStock = drink.is_active !== false;
      const button = el('button', `button stock-toggle ${inStock ? 'secondary' : 'danger'}`,
        inStock ? 'In stock' : 'Out of stock');
      button.type = 'button';
      button.setAttribute('aria-pressed', String(inStock));
      li.append(el('span', 'stock-name', drink.name), button);
      return li;
    }));
  }

  async function onStockClick(event) {
    const button = event.target.closest('.stock-toggle');
    const drink = button && drinks.find((d) => d.id === button.closest('.stock-row').dataset.id);
    if (!drink) return;
    button.disabled = true;
    try {
      const data = await session.api(`/api/admin/drinks/${encodeURIComponent(drink.id)}/stock`, {
        method: 'POST', body: { is_active: drink.is_active === false },
      });
      Object.assign(drink, data.drink);
      renderDrinks();
    } catch (e) {
      button.disabled = false;
      session.failed(e, drink.name);
    }
  }

  function load(menu) {
    if (!menu) return;
    const mine = station && menu.bar && (menu.bar.stations || []).find((s) => s.id === station);
    setShop(!((mine || menu.bar || {}).is_open === false));
    drinks = (menu.drinks || []).filter((d) => !station || d.station === station);
    renderDrinks();
  }

  function onEvent(ev) {
    if (ev.type === 'SHOP_STATUS_CHANGED') {
      if ((ev.station || '') === station) setShop(ev.is_open);
    } else if (ev.type === 'MENU_CHANGED') {
      const drink = drinks.find((d) => d.id === ev.drink_id);
      if (drink) drink.is_active = ev.is_active;
      renderDrinks();
    }
  }

  $('#shop-toggle').addEventListener('click', toggleShop);
  $('#drinks-button').addEventListener('click', () => $('#drinks-dialog').showModal());
  $('#drinks-close').addEventListener('click', () => $('#drinks-dialog').close());
  $('#drink-list').addEventListener('click', onStockClick);

  return { load, onEvent };
}
