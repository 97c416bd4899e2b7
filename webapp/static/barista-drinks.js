/* bar: the barista view's drinks panel: the menu, run live from the tablet.
 *
 * Every drink (retired ones too) with its photo, price and stock; a tap switches the
 * stock, a price typed and confirmed changes it, a photo taken or picked replaces the
 * drink's, "Retire" takes it off guests' menus ("Restore" brings it back), and the
 * form at the bottom adds a drink. Each goes through the admin API; the `config`
 * channel's `MENU_CHANGED` keeps the panel in step with the kiosk, the CLI and other
 * tablets.
 *
 *   const drinks = createDrinks(session);     // session: barista-session.js
 *   drinks.refresh();                         // GET /api/admin/drinks
 *   drinks.onEvent(event);                    // a `MENU_CHANGED` event
 */

import { $, el } from './common.js';

export function createDrinks(session) {
  let drinks = [];
  let currency = '';

  const sameOrigin = (url) => (typeof url === 'string' && /^\/[^/\\]/.test(url) ? url : null);

  function sort() {
    drinks.sort((a, b) => Number(a.retired) - Number(b.retired) || (a.position ?? 0) - (b.position ?? 0));
  }

  function render() {
    const out = drinks.filter((d) => !d.retired && d.is_active === false).length;
    $('#drinks-button').textContent = out ? `Drinks (${out} out)` : 'Drinks';
    $('#drink-list').replaceChildren(...drinks.map(row));
  }

  function row(drink) {
    const li = el('li', `stock-row${drink.retired ? ' retired' : ''}`);
    li.dataset.id = drink.id;
    const thumb = sameOrigin(drink.thumb);
    const photo = el('label', { class: 'drink-photo', title: 'Take or choose a photo' },
      thumb ? el('img', { src: thumb, alt: '', loading: 'lazy', width: 56, height: 56 }) : null,
      el('input', { type: 'file', accept: 'image/jpeg,image/png,image/webp', class: 'photo-input', 'aria-label': `Photo of ${drink.name}` }));
    const name = el('span', 'stock-name', drink.name);
    const price = el('input', {
      class: 'input price-input', type: 'text', inputmode: 'decimal', 'aria-label': `Price of ${drink.name}`,
      placeholder: currency ? `price ${currency}` : 'price', value: drink.price ?? '',
    });
    const actions = el('span', 'stock-actions');
    if (drink.retired) {
      actions.append(el('button', { type: 'button', class: 'button secondary restore', text: 'Restore' }));
    } else {
      const inStock = drink.is_active !== false;
      actions.append(
        el('button', { type: 'button', class: `button stock-toggle ${inStock ? 'secondary' : 'danger'}`,
          'aria-pressed': String(inStock), text: inStock ? 'In stock' : 'Out of stock' }),
        el('button', { type: 'button', class: 'button secondary retire', text: 'Retire' }),
      );
    }
    li.append(photo, el('span', 'stock-main', name, price), actions);
    return li;
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

  function onPriceChange(event) {
    const input = event.target.closest('.price-input');
    const drink = input && drinks.find((d) => d.id === input.closest('.stock-row').dataset.id);
    if (!drink) return;
    const text = input.value.trim().replace(',', '.');
    const price = text === '' ? null : Number(text);
    if (price !== null && !Number.isFinite(price)) {
      session.toast(`${drink.name}: a price is a number, like 7.5`);
      input.value = drink.price ?? '';
      return;
    }
    if (price === drink.price) return;
    change(drink, drinkPath(drink), { method: 'PATCH', body: { price } });
  }

  async function onPhoto(event) {
    const input = event.target.closest('.photo-input');
    const drink = input && drinks.find((d) => d.id === input.closest('.stock-row').dataset.id);
    const file = input && input.files && input.files[0];
    if (!drink || !file) return;
    session.toast(`Uploading the photo of ${drink.name}…`);
    if (await change(drink, `${drinkPath(drink)}/image`, { method: 'PUT', file }, `The photo of ${drink.name}`)) {
      session.toast(`${drink.name} has its new photo`);
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
      upsert(data.drink);
      form.reset();
      session.toast(`${data.drink.name} is on the menu`);
    } catch (e) {
      session.failed(e, `Adding ${name}`);
    }
  }

  async function refresh() {
    try {
      const data = await session.api('/api/admin/drinks');
      drinks = data.drinks || [];
      currency = data.currency || '';
      sort();
      render();
    } catch (e) {
      session.failed(e, 'Loading the drinks');
    }
  }

  function onEvent(ev) {
    if (ev.type !== 'MENU_CHANGED') return;
    if (ev.drink && typeof ev.drink === 'object') {
      upsert(ev.drink);
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
