/* bar, guest page: "Ask the bartender" — a sentence in plain words becomes a draft
 * (POST /api/assistant), "Surprise me" brings a suggestion (GET /api/recommendations).
 * The draft is never an order: the guest edits it (how many, which options) and
 * confirms, and each drink goes through the normal order path (POST /api/orders, one
 * Idempotency-Key per drink, every rule of the bar), one after the other; what is
 * refused stays in the draft with the reason.
 *
 * The box is one line until the guest opens it (the menu comes first on a phone); the
 * draft shows whether it is open or not. The menu's taste chips are the bartender's
 * tastes too: it marks its pick among the drinks they leave, and "Surprise me" keeps to
 * them.
 *
 * Everything the server or the guest wrote is put in with textContent. */

import { t } from '../i18n.js';
import { $, el } from '../common.js';
import { api } from './api.js';
import { humanize, uuid4 } from './format.js';
import { NETWORK_MESSAGE, SessionEnded } from './http.js';
import { chosenTastes, isShown, showPick } from './menu.js';
import { offerNotifications } from './notify.js';
import { ORDER_ERRORS } from './ordering.js';
import { upsertOrder } from './orders.js';
import { menuWord, orderingPaused, state } from './state.js';
import { scanCode } from './store.js';
import { showTab } from './tabs.js';
import { toast } from './views.js';

// Chips tapped in a row ask the bartender once, for where the guest stopped.
const PICK_AFTER_MS = 400;
const PICK_AMONG = 5; // suggestions read to find one the narrowed menu shows

// The draft: [{drink_id, quantity, modifiers, keys: [Idempotency-Key per drink]}]
let draft = [];
let placing = false;
let pickTimer = null;
let pickAsked = 0; // a newer question makes an older answer stale

function pageLanguage() {
  return document.documentElement.lang || navigator.language || 'en';
}

function setReply(text) {
  const reply = $('#assistant-reply');
  reply.textContent = text || '';
  reply.hidden = !text;
}

// `kind` 'availability': why the draft cannot be ordered right now, cleared when it can.
function setDraftError(text, kind = '') {
  const p = $('#draft-error');
  p.textContent = text || '';
  p.hidden = !text;
  p.dataset.kind = text ? kind : '';
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
    $('#assistant-source').textContent = data.answered_by === 'model' ? t('assistant.by_model') : '';
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

function recommendationsPath(tastes, { limit, surprise = false }) {
  const params = new URLSearchParams({ lang: pageLanguage(), limit: String(limit) });
  // The host's tags as written ("no-alcohol" too): the server reads them in any language.
  if (tastes.length) params.set('tastes', tastes.slice(0, 8).join(','));
  if (surprise) params.set('surprise', '1');
  return `/api/recommendations?${params}`;
}

async function surpriseMe() {
  try {
    const data = await api('GET', recommendationsPath(chosenTastes(), { limit: 1, surprise: true }), { auth: true });
    const drinks = data.drinks || [];
    setReply(drinks.length ? '' : t('assistant.nothing_fits'));
    renderSuggestions(drinks);
  } catch (e) {
    failed(e);
  }
}

/** The guest chose other tastes (menu.js): the bartender marks its pick among the drinks left. */
export function pickForTastes(tastes) {
  clearTimeout(pickTimer);
  const asked = ++pickAsked;
  if (!tastes.length || !state.tokens) return;
  pickTimer = setTimeout(async () => {
    let data;
    try {
      data = await api('GET', recommendationsPath(tastes, { limit: PICK_AMONG }), { auth: true });
    } catch (e) {
      return; // the chips filter the menu all the same; the pick is a bonus
    }
    if (asked !== pickAsked) return;
    showPick((data.drinks || []).find((d) => isShown(state.drinksById.get(d.drink_id))) || null);
  }, PICK_AFTER_MS);
}

function renderSuggestions(drinks) {
  const list = $('#assistant-suggestions');
  list.replaceChildren(
    ...drinks.map((d) => {
      const drink = state.drinksById.get(d.drink_id);
      const add = el('button', {
        type: 'button', class: 'button secondary', text: t('assistant.add'), 'aria-label': t('assistant.add_drink', { drink: d.name }),
      });
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
    const item = { drink_id: drinkId, name: state.drinksById.get(drinkId).name, quantity: 0, modifiers: { ...modifiers }, keys: [] };
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
  const minus = el('button', { type: 'button', class: 'icon-button', text: '−', 'aria-label': t('assistant.one_less', { drink: name }) });
  const plus = el('button', { type: 'button', class: 'icon-button', text: '+', 'aria-label': t('assistant.one_more', { drink: name }) });
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
    for (const choice of choices) select.append(el('option', { value: choice, text: menuWord(drink, choice) }));
    select.value = item.modifiers[modifier] || choices[0];
    select.addEventListener('change', () => {
      item.modifiers[modifier] = select.value;
      edited(item);
    });
    options.append(el('label', { class: 'draft-option', for: id }, el('span', { class: 'muted', text: humanize(menuWord(drink, modifier)) }), select));
  }
  const remove = el('button', { type: 'button', class: 'icon-button dismiss', text: '✕', 'aria-label': t('assistant.remove', { drink: name }) });
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
  updateDraftAvailability();
}

/** Why the draft cannot be ordered right now ('' when it can), in the words the menu
 * and the order sheet use: the bar (or a drink's station) closed or full, a drink
 * gone from the menu or out of stock. */
function draftPaused() {
  for (const item of draft) {
    const drink = state.drinksById.get(item.drink_id);
    if (!drink) return t('sheet.gone', { drink: item.name });
    const reason = orderingPaused(drink);
    if (reason) return reason;
    if (drink.is_active === false) return t('sheet.ran_out', { drink: drink.name });
  }
  return '';
}

/** The Order button and its reason, following the bar live (menu.js says when it changed). */
export function updateDraftAvailability() {
  const total = draft.reduce((n, i) => n + i.quantity, 0);
  const paused = draft.length ? draftPaused() : '';
  const button = $('#draft-confirm');
  button.disabled = placing || !total || Boolean(paused);
  button.textContent = placing ? t('ordering') : total === 1 ? t('assistant.order_one') : t('assistant.order_many', { count: total });
  if (paused && !placing) setDraftError(paused, 'availability');
  else if ($('#draft-error').dataset.kind === 'availability') setDraftError('');
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
    setDraftError(numbers.length
      ? t('assistant.partly_ordered', { numbers: numbers.join(', '), reason: refused })
      : t('assistant.not_ordered', { reason: refused }));
    return;
  }
  setReply('');
  renderSuggestions([]);
  setExpanded(false);
  toast(numbers.length > 1 ? t('assistant.ordered_many', { numbers: numbers.join(', ') }) : t('ordered_number', { number: numbers[0] }));
  showTab('orders');
  offerNotifications();
}

function setExpanded(open, { focus = false } = {}) {
  const toggle = $('#assistant-toggle');
  toggle.setAttribute('aria-expanded', String(open));
  $('#assistant-body').hidden = !open;
  $('#assistant').classList.toggle('open', open);
  if (!focus) return;
  if (open) $('#assistant-input').focus();
  else toggle.focus();
}

/** Wire the box once (app.js). */
export function initAssistant() {
  $('#assistant-toggle').addEventListener('click', () => {
    setExpanded($('#assistant-toggle').getAttribute('aria-expanded') !== 'true', { focus: true });
  });
  $('#assistant').addEventListener('keydown', (e) => {
    // From the question or its answers; Escape in the draft's controls is theirs.
    const inside = e.target === $('#assistant-toggle') || $('#assistant-body').contains(e.target);
    if (e.key !== 'Escape' || !inside || $('#assistant-body').hidden) return;
    e.preventDefault();
    setExpanded(false, { focus: true });
  });
  $('#surprise-me').addEventListener('click', surpriseMe);
  $('#assistant-form').addEventListener('submit', ask);
  $('#draft-confirm').addEventListener('click', confirmDraft);
}
