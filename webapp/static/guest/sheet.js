/* bar, guest page: the order sheet (a drink's modifiers and note); ordering.js places
 * the order it holds. */

import { t } from '../i18n.js';
import { $, el } from '../common.js';
import { formatPrice, humanize, uuid4 } from './format.js';
import { menuWord, orderingPaused, state } from './state.js';

export function openSheet(drinkId) {
  const drink = state.drinksById.get(drinkId);
  if (!drink || drink.is_active === false || orderingPaused(drink)) return;
  // The Idempotency-Key belongs to this tap-intent: every retry from this sheet reuses it.
  state.sheet = { drink, key: uuid4(), sending: false };
  $('#sheet-title').textContent = drink.name;
  $('#sheet-description').textContent = drink.description || '';
  $('#sheet-description').hidden = !drink.description;
  const photo = $('#sheet-photo');
  const image = typeof drink.image === 'string' && /^\/[^/\\]/.test(drink.image) ? drink.image : null;
  photo.hidden = !image;
  if (image) photo.src = image;
  else photo.removeAttribute('src');
  const price = formatPrice(drink.price, state.bar.currency);
  $('#sheet-price').textContent = price;
  $('#sheet-price').hidden = !price;
  const ingredients = Array.isArray(drink.ingredients) ? drink.ingredients.filter(Boolean).map((i) => menuWord(drink, i)) : [];
  $('#sheet-ingredients').textContent = ingredients.length ? t('sheet.with', { ingredients: ingredients.join(', ') }) : '';
  $('#sheet-ingredients').hidden = !ingredients.length;
  const mods = $('#sheet-modifiers');
  const fieldsets = [];
  for (const [name, options] of Object.entries(drink.modifiers || {})) {
    if (!Array.isArray(options) || !options.length) continue;
    const fs = el('fieldset', { class: 'modifier', 'data-modifier': name }, el('legend', { text: humanize(menuWord(drink, name)) }));
    const choices = el('div', { class: 'choices' });
    options.forEach((option, i) => {
      const input = el('input', { type: 'radio', name: `mod-${name}`, value: option, 'data-modifier': name });
      input.checked = i === 0;
      choices.append(el('label', { class: 'choice' }, input, el('span', { text: menuWord(drink, option) })));
    });
    fs.append(choices);
    fieldsets.push(fs);
  }
  mods.replaceChildren(...fieldsets);
  $('#order-note').value = '';
  $('#note-count').textContent = '0/200';
  setOrderError('');
  updateSheetAvailability();
  const dialog = $('#order-sheet');
  if (!dialog.open) {
    if (dialog.showModal) dialog.showModal();
    else dialog.setAttribute('open', '');
  }
}

export function closeSheet() {
  const dialog = $('#order-sheet');
  if (dialog.open) {
    if (dialog.close) dialog.close();
    else dialog.removeAttribute('open');
  }
  state.sheet = null;
}

export function setOrderError(message) {
  const p = $('#order-error');
  p.textContent = message;
  p.hidden = !message;
}

export function updateSheetAvailability() {
  const s = state.sheet;
  if (!s) return;
  const current = state.drinksById.get(s.drink.id);
  const drink = current || s.drink;
  const button = $('#order-button');
  let reason = orderingPaused(drink);
  if (!reason && !current) reason = t('sheet.gone', { drink: drink.name });
  if (!reason && drink.is_active === false) reason = t('sheet.ran_out', { drink: drink.name });
  button.disabled = s.sending || Boolean(reason);
  button.textContent = s.sending ? t('ordering') : t('order');
  if (reason) setOrderError(reason);
  else if ($('#order-error').dataset.kind === 'availability') setOrderError('');
  $('#order-error').dataset.kind = reason ? 'availability' : '';
}
