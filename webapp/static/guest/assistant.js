/* bar, guest page: "Ask the bartender" — a sentence in plain words becomes a draft
 * (POST /api/assistant), taste chips and "Surprise me" bring suggestions
 * (GET /api/recommendations). The draft is never an order: the guest edits it (how
 * many, which options) and confirms, and each drink goes through the normal order
 * path (POST /api/orders, one Idempotency-Key per drink, every rule of the bar), one
 * after the other; what is refused stays in the draft with the reason.
 *
 * Everything the server or the guest wrote is put in with textContent. */

import { t } from '../i18n.js';
import { $, el } from '../common.js';
import { api } from './api.js';
import { humanize, uuid4 } from './format.js';
import { NETWORK_MESSAGE, SessionEnded } from './http.js';
import { offerNotifications } from './notify.js';
import { ORDER_ERRORS } from './ordering.js';
import { upsertOrder } from './orders.js';
import { orderingPaused, state } from './state.js';
import { scanCode } from './store.js';
import { showTab } from './tabs.js';
import { toast } from './views.js';

const TASTES = ['sweet', 'sour', 'bitter', 'strong', 'alcoholfree'].map((taste) => [taste, t(`taste.${taste}`)]);

// The draft: [{drink_id, quantity, modifiers, keys: [Idempotency-Key per drink]}]
let draft = [];
let placing = false;

function pageLanguage() {
  return document.documentElement.lang || navigator.language || 'en';
}

function setReply(text) {
  const reply = $('#assistant-reply');
  reply.textContent = text || '';
  reply.hidden = !text;
}

function setDraftError(text) {
  const p = $('#draft-error');
  p.textContent = text || '';
  p.hidden = !text;
}

function showBusy(busy) {
  $('#assistant-send').disabled = busy;
  $('#assistant').setAttribute('aria-busy', String(busy));
}

function failed(e) {
  if (e instanceof SessionEnded) return;
  setReply(e.code === 'rate_limited' ? e.message : e.message || NETWORK_MESSAGE);
}

async function ask(event) {
  event.preventDefault();
  const input = $('#assistant-input');
  const text = input.value.trim();
  if (!text) {
    input.focus();
    return;
  }
  showBusy(true);
  try {
    const data = await api('POST', '/api/assistant', { auth: true, body: { text, lang: pageLanguage() } });
    setReply(data.reply);
    $('#assistant-source').textContent = data.answered_by === 'model' ? 'Answered by the local model' : '';
    renderSuggestions(data.suggestions || []);
    for (const item of data.items || []) addToDraft(item.drink_id, item.quantity, item.modifiers || {});
    if ((data.items || []).length) input.value = '';
    $('#assistant-reply').scrollIntoView({ block: 'nearest' });
  } catch (e) {
    failed(e);
  } finally {
    showBusy(false);
  }
}

async function suggest({ surprise = false } = {}) {
  const chosen = [...document.querySelectorAll('#assistant-tastes [aria-pressed=true]')].map((b) => b.dataset.taste);
  const params = new URLSearchParams({ lang: pageLanguage() });
  const tastes = chosen.filter((t) => t !== 'alcoholfree');
  if (tastes.length) params.set('tastes', tastes.join(','));
  if (chosen.includes('alcoholfree')) params.set('alcohol', 'no');
  if (surprise) params.set('surprise', '1');
  try {
    const data = await api('GET', `/api/recommendations?${params}`, { auth: true });
    const drinks = data.drinks || [];
    setReply(drinks.length ? '' : t('assistant.nothing_fits'));
    renderSuggestions(drinks);
  } catch (e) {
    failed(e);
  }
}

function renderSuggestions(drinks) {
  const list = $('#assistant-suggestions');
  list.replaceChildren(
    ...drinks.map((d) => {
      const drink = state.drinksById.get(d.drink_id);
      const add = el('button', { type: 'button', class: 'button secondary', text: 'Add' });
      add.setAttribute('aria-label', `Add ${d.name}`);
      add.addEventListener('click', () => addToDraft(d.drink_id, 1, {}));
      add.disabled = !drink || drink.is_active === false;
      return el(
        'li',
        { class: 'suggestion card', 'data-id': d.drink_id },
        el('span', { class: 'suggestion-text' }, el('strong', { text: d.name }), el('span', { class: 'muted', text: (d.reasons || []).join(' · ') })),
        add,
      );
    }),
  );
  list.hidden = !drinks.length;
}

function addToDraft(drinkId, quantity, modifiers) {
  if (!state.drinksById.has(drinkId)) return;
  const same = draft.find((i) => i.drink_id === drinkId && JSON.stringify(i.modifiers) === JSON.stringify(modifiers));
  if (same) {
    resize(same, same.quantity + quantity);
  } else {
    const item = { drink_id: drinkId, quantity: 0, modifiers: { ...modifiers }, keys: [] };
    resize(item, quantity);
    draft.push(item);
  }
  setDraftError('');
  renderDraft();
}

function resize(item, quantity) {
  item.quantity = Math.max(0, Math.min(10, quantity));
  while (item.keys.length < item.quantity) item.keys.push(uuid4());
  item.keys.length = item.quantity;
}

function edited(item) {
  // Other options: another drink, so new keys (a retry must not return the old order).
  item.keys = item.keys.map(() => uuid4());
}

function draftCard(item, position) {
  const drink = state.drinksById.get(item.drink_id);
  const name = drink ? drink.name : item.drink_id;
  const minus = el('button', { type: 'button', class: 'icon-button', text: '−', 'aria-label': `One ${name} less` });
  const plus = el('button', { type: 'button', class: 'icon-button', text: '+', 'aria-label': `One ${name} more` });
  const count = el('span', { class: 'draft-count', text: String(item.quantity), 'aria-live': 'polite' });
  minus.addEventListener('click', () => {
    resize(item, item.quantity - 1);
    if (!item.quantity) draft.splice(draft.indexOf(item), 1);
    renderDraft();
  });
  plus.addEventListener('click', () => {
    resize(item, item.quantity + 1);
    renderDraft();
  });
  const options = el('div', { class: 'draft-options' });
  for (const [modifier, choices] of Object.entries((drink && drink.modifiers) || {})) {
    const id = `draft-${position}-${modifier}`;
    const select = el('select', { id, class: 'input', 'data-modifier': modifier });
    for (const choice of choices) select.append(el('option', { value: choice, text: choice }));
    select.value = item.modifiers[modifier] || choices[0];
    select.addEventListener('change', () => {
      item.modifiers[modifier] = select.value;
      edited(item);
    });
    options.append(el('label', { class: 'draft-option', for: id }, el('span', { class: 'muted', text: humanize(modifier) }), select));
  }
  const remove = el('button', { type: 'button', class: 'icon-button dismiss', text: '✕', 'aria-label': `Remove ${name}` });
  remove.addEventListener('click', () => {
    draft.splice(draft.indexOf(item), 1);
    renderDraft();
  });
  return el(
    'li',
    { class: 'draft-item card', 'data-id': item.drink_id },
    el('div', { class: 'draft-head' }, el('strong', { class: 'draft-name', text: name }), remove),
    el('div', { class: 'draft-quantity' }, minus, count, plus),
    options,
  );
}

function renderDraft() {
  const box = $('#assistant-draft');
  if (!box) return;
  $('#draft-items').replaceChildren(...draft.map(draftCard));
  box.hidden = !draft.length;
  const total = draft.reduce((n, i) => n + i.quantity, 0);
  const paused = orderingPaused();
  const button = $('#draft-confirm');
  button.disabled = placing || !total || Boolean(paused);
  button.textContent = placing ? t('ordering') : total === 1 ? t('assistant.order_one') : t('assistant.order_many', { count: total });
  if (paused && draft.length) setDraftError(paused);
}

async function confirmDraft() {
  if (placing || !draft.length) return;
  placing = true;
  setDraftError('');
  renderDraft();
  const numbers = [];
  let refused = null;
  try {
    for (const item of [...draft]) {
      while (item.quantity > 0) {
        const body = { drink_id: item.drink_id, modifiers: item.modifiers };
        if (state.bar.mode === 'popup' && scanCode()) body.scan_code = scanCode();
        const data = await api('POST', '/api/orders', { auth: true, body, headers: { 'Idempotency-Key': item.keys[0] } });
        if (data.order) {
          upsertOrder(data.order);
          numbers.push(`#${data.order.number}`);
        }
        item.keys.shift();
        item.quantity -= 1;
      }
      draft.splice(draft.indexOf(item), 1);
    }
  } catch (e) {
    if (e instanceof SessionEnded) return;
    refused = ORDER_ERRORS[e.code] || e.message || NETWORK_MESSAGE;
  } finally {
    placing = false;
    renderDraft();
  }
  if (refused) {
    const done = numbers.length ? `Ordered ${numbers.join(', ')}. ` : '';
    setDraftError(`${done}The rest was not ordered: ${refused}`);
    return;
  }
  setReply('');
  toast(numbers.length > 1 ? t('assistant.ordered_many', { numbers: numbers.join(', ') }) : t('ordered_number', { number: numbers[0] }));
  showTab('orders');
  offerNotifications();
}

/** Wire the box once (app.js). */
export function initAssistant() {
  const chips = $('#assistant-tastes');
  for (const [taste, label] of TASTES) {
    const chip = el('button', { type: 'button', class: 'chip taste-chip', 'data-taste': taste, 'aria-pressed': 'false', text: label });
    chip.addEventListener('click', () => {
      chip.setAttribute('aria-pressed', String(chip.getAttribute('aria-pressed') !== 'true'));
      suggest();
    });
    chips.append(chip);
  }
  const surprise = el('button', { id: 'surprise-me', type: 'button', class: 'chip taste-chip surprise', text: t('assistant.surprise') });
  surprise.addEventListener('click', () => suggest({ surprise: true }));
  chips.append(surprise);
  $('#assistant-form').addEventListener('submit', ask);
  $('#draft-confirm').addEventListener('click', confirmDraft);
}
