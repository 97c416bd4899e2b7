/* bar: the barista view's drinks panel: the menu, run live from the tablet.
 *
 * Every drink (retired ones too) with its photo, price and stock; a tap switches the
 * stock, a price typed and confirmed changes it, a photo taken or picked replaces the
 * drink's, "Retire" takes it off guests' menus ("Restore" brings it back), and the
 * form at the bottom adds a drink. Each goes through the admin API; the `config`
 * channel's `MENU_CHANGED` keeps the panel in step with the kiosk, the CLI and other
 * tablets.
 *
 * At a station (`/barista?station=coffee`) the panel lists the drinks that station
 * makes: the server says which (bar/stations.py), so a drink changed live is asked for
 * again rather than guessed (a new category may send it to another station).
 *
 *   const drinks = createDrinks(session, station);  // session: barista-session.js
 *   drinks.refresh();                         // GET /api/admin/drinks[?station=…]
 *   drinks.onEvent(event);                    // a `MENU_CHANGED` event
 */

import { $, el } from './common.js';
import { language, t } from './i18n.js';

export function createDrinks(session, station = '') {
  let drinks = [];
  let currency = '';

  // A price as this tablet's language writes it (7,5 in German); either way it is read back.
  const priceText = (price) => (typeof price === 'number'
    ? price.toLocaleString(language, { useGrouping: false, maximumFractionDigits: 2 }) : '');

  const sameOrigin = (url) => (typeof url === 'string' && /^\/[^/\\]/.test(url) ? url : null);

  function sort() {
    drinks.sort((a, b) => Number(a.retired) - Number(b.retired) || (a.position ?? 0) - (b.position ?? 0));
  }

  // Rows are updated in place, never rebuilt: a live MENU_CHANGED (another tablet, the
  // kiosk, the CLI) must not take away a price the barista is typing, nor its caret.
  function render() {
    const out = drinks.filter((d) => !d.retired && d.is_active === false).length;
    $('#drinks-button').textContent = out ? t('drinks.button_out', { count: out }) : t('drinks.button');
    const list = $('#drink-list');
    const ids = new Set(drinks.map((d) => d.id));
    const rows = new Map();
    for (const li of [...list.children]) {
      if (ids.has(li.dataset.id)) rows.set(li.dataset.id, li);
      else li.remove();
    }
    drinks.forEach((drink, at) => {
      const li = rows.get(drink.id) || newRow(drink);
      update(li, drink);
      if (list.children[at] !== li) list.insertBefore(li, list.children[at] || null);
    });
  }

  function newRow(drink) {
    const li = el('li', null, el('label', 'drink-photo'),
      el('span', 'stock-main', el('span', 'stock-name'),
        el('input', { class: 'input price-input', type: 'text', inputmode: 'decimal' })),
      el('span', 'stock-actions'));
    li.dataset.id = drink.id;
    return li;
  }

  function update(li, drink) {
    li.className = `stock-row${drink.retired ? ' retired' : ''}`;
    const [photo, main, actions] = li.children;
    const thumb = sameOrigin(drink.thumb);
    const photoKey = `${thumb} ${drink.name}`;
    if (photo.dataset.key !== photoKey) {
      photo.replaceWith(el('label', { class: 'drink-photo', title: t('drinks.photo'), 'data-key': photoKey },
        thumb ? el('img', { src: thumb, alt: '', loading: 'lazy', width: 56, height: 56 }) : null,
        el('input', { type: 'file', accept: 'image/jpeg,image/png,image/webp', class: 'photo-input', 'aria-label': t('drinks.photo_of', { drink: drink.name }) })));
    }
    const [name, price] = main.children;
    name.textContent = drink.name;
    price.setAttribute('aria-label', t('drinks.price_of', { drink: drink.name }));
    price.placeholder = currency ? t('drinks.price_in', { currency }) : t('drinks.price_placeholder');
    showPrice(price, drink);
    actions.replaceChildren(...actionButtons(drink));
  }

  // The price as saved, unless the barista is typing another one into this field.
  function showPrice(input, drink, typed = false) {
    const saved = priceText(drink.price);
    const editing = !typed && document.activeElement === input && input.value !== input.dataset.saved;
    if (!editing) input.value = saved;
    input.dataset.saved = saved;
  }

  function actionButtons(drink) {
    if (drink.retired) {
      return [el('button', { type: 'button', class: 'button secondary restore', text: t('drinks.restore') })];
    }
    const inStock = drink.is_active !== false;
    return [
      el('button', { type: 'button', class: `button stock-toggle ${inStock ? 'secondary' : 'danger'}`,
        'aria-pressed': String(inStock), text: inStock ? t('drinks.in_stock') : t('drinks.out_of_stock') }),
      el('button', { type: 'button', class: 'button secondary retire', text: t('drinks.retire') }),
    ];
  }

  function upsert(drink) {
    const at = drinks.findIndex((d) => d.id === drink.id);
    if (at >= 0) drinks[at] = drink;
    else drinks.push(drink);
    sort();
    render();
  }

  async function change(drink, path, options, what) {
    try {
      const data = await session.api(path, options);
      upsert(data.drink);
      return true;
    } catch (e) {
      session.failed(e, what || drink.name);
      render();
      return false;
    }
  }

  const drinkPath = (drink) => `/api/admin/drinks/${encodeURIComponent(drink.id)}`;

  function onClick(event) {
    const rowNode = event.target.closest('.stock-row');
    const drink = rowNode && drinks.find((d) => d.id === rowNode.dataset.id);
    if (!drink) return;
    const button = event.target.closest('button');
    if (!button) return;
    button.disabled = true;
    if (button.classList.contains('stock-toggle')) {
      change(drink, `${drinkPath(drink)}/stock`, { method: 'POST', body: { is_active: drink.is_active === false } });
    } else if (button.classList.contains('retire') || button.classList.contains('restore')) {
      change(drink, drinkPath(drink), { method: 'PATCH', body: { retired: !drink.retired } });
    }
  }

  async function onPriceChange(event) {
    const input = event.target.closest('.price-input');
    const drink = input && drinks.find((d) => d.id === input.closest('.stock-row').dataset.id);
    if (!drink) return;
    const text = input.value.trim().replace(',', '.');
    const price = text === '' ? null : Number(text);
    if (price !== null && !Number.isFinite(price)) {
      session.toast(t('drinks.bad_price', { drink: drink.name, example: priceText(7.5) }));
      showPrice(input, drink, true);
      return;
    }
    if (price === drink.price) return;
    await change(drink, drinkPath(drink), { method: 'PATCH', body: { price } });
    // Saved or refused, the field now shows the price as the bar has it.
    showPrice(input, drinks.find((d) => d.id === drink.id) || drink, true);
  }

  async function onPhoto(event) {
    const input = event.target.closest('.photo-input');
    const drink = input && drinks.find((d) => d.id === input.closest('.stock-row').dataset.id);
    const file = input && input.files && input.files[0];
    if (!drink || !file) return;
    session.toast(t('drinks.uploading', { drink: drink.name }));
    if (await change(drink, `${drinkPath(drink)}/image`, { method: 'PUT', file }, t('drinks.the_photo', { drink: drink.name }))) {
      session.toast(t('drinks.new_photo', { drink: drink.name }));
    }
  }

  async function onAdd(event) {
    event.preventDefault();
    const form = event.target;
    const name = form.elements['new-name'].value.trim();
    if (!name) return;
    const body = { name };
    const category = form.elements['new-category'].value.trim();
    if (category) body.category = category;
    const price = form.elements['new-price'].value.trim().replace(',', '.');
    if (price) body.price = Number(price);
    try {
      const data = await session.api('/api/admin/drinks', { method: 'POST', body });
      if (station) refresh(); // listed here only if this station makes it
      else upsert(data.drink);
      form.reset();
      session.toast(t('drinks.added', { drink: data.drink.name }));
    } catch (e) {
      session.failed(e, t('drinks.adding', { drink: name }));
    }
  }

  let refreshes = 0; // answers can cross: only the latest question's is shown

  async function refresh() {
    const asked = ++refreshes;
    try {
      const data = await session.api(station ? `/api/admin/drinks?station=${encodeURIComponent(station)}` : '/api/admin/drinks');
      if (asked !== refreshes) return;
      drinks = data.drinks || [];
      currency = data.currency || '';
      sort();
      render();
    } catch (e) {
      session.failed(e, t('drinks.loading'));
    }
  }

  function onEvent(ev) {
    if (ev.type !== 'MENU_CHANGED') return;
    if (ev.drink && typeof ev.drink === 'object') {
      if (station) refresh();
      else upsert(ev.drink);
      return;
    }
    const drink = drinks.find((d) => d.id === ev.drink_id);
    if (drink) drink.is_active = ev.is_active;
    render();
  }

  $('#drinks-button').addEventListener('click', () => $('#drinks-dialog').showModal());
  $('#drinks-close').addEventListener('click', () => $('#drinks-dialog').close());
  $('#drink-list').addEventListener('click', onClick);
  $('#drink-list').addEventListener('change', (e) => {
    if (e.target.classList.contains('price-input')) onPriceChange(e);
    else if (e.target.classList.contains('photo-input')) onPhoto(e);
  });
  $('#drink-add').addEventListener('submit', onAdd);

  return { refresh, onEvent };
}
