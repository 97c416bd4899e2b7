/* bar, guest page: joining the bar, starting the page, signing out, a session's end. */

import { t } from '../i18n.js';
import { $ } from '../common.js';
import { api } from './api.js';
import { SessionEnded } from './http.js';
import { renderInbox } from './inbox.js';
import { renderBar, renderMenu } from './menu.js';
import { renderOrders, renderPickups } from './order-list.js';
import { resyncOrders } from './orders.js';
import { forgetSubscription, keepSubscription } from './push.js';
import { closeSheet } from './sheet.js';
import { live } from './socket.js';
import { state } from './state.js';
import { deviceId, KEYS, rememberScanCode, store } from './store.js';
import { showTab } from './tabs.js';
import { scheduleRefresh, setTokens } from './tokens.js';
import { setLive, showView, toast } from './views.js';

export function endSession(message) {
  forgetSubscription();
  state.tokens = null;
  state.user = null;
  store.del(KEYS.tokens);
  store.del(KEYS.user);
  store.del(KEYS.lastEvent);
  live.lastEventId = null;
  clearTimeout(state.refreshTimer);
  live.close();
  state.orders.clear();
  state.touched.clear();
  state.inbox.clear();
  state.ordersLoaded = false;
  state.started = false;
  if ($('#inbox').open) $('#inbox').close();
  renderInbox(); // after `started`: the bell goes with the session
  closeSheet();
  renderOrders();
  renderPickups();
  setLive('hidden');
  showJoin(message);
}

// What went wrong with an invite, and what to do next: said when the join page opens
// (`GET /api/invites/<code>`) and when joining is refused. Pop-up mode's code is the
// one on the bar's screen, which changes every few minutes.
const problems = (codes, prefix) => Object.fromEntries(codes.map((code) => [
  code, [t(`${prefix}.${code}`), t(`${prefix}.${code}.next`)]]));
const INVITE_PROBLEMS = problems(['code_missing', 'code_invalid', 'code_expired', 'code_revoked', 'code_used_up'], 'invite');
const POPUP_PROBLEMS = problems(['code_invalid', 'code_expired'], 'popup');

/** [what is wrong, what to do next] for an error code of joining, or null. */
function inviteProblem(code) {
  return (state.bar.mode === 'popup' && POPUP_PROBLEMS[code]) || INVITE_PROBLEMS[code] || null;
}

/** The same, in one line: "This invite has expired — ask the host for a new QR code." */
function inviteProblemLine(code) {
  const problem = inviteProblem(code);
  return problem ? `${problem[0]} — ${problem[1][0].toLowerCase()}${problem[1].slice(1)}` : null;
}

const JOIN_ERRORS = {
  kicked: t('join.kicked'),
};

/** A code as typed or carried by a link: spaces dropped (the server forgives the rest). */
export function cleanCode(text) {
  return String(text || '').replace(/\s+/g, '');
}

/**
 * The join screen. With a code, the code is checked first and the name asked for only
 * if it would let the guest in; without one (or with a bad one), how to get one.
 */
export function showJoin(notice) {
  showView('join');
  setLive('hidden');
  const code = state.joinCode;
  $('#join-no-code').hidden = Boolean(code);
  $('#code-form').hidden = Boolean(code);
  $('#join-bad-code').hidden = true;
  $('#join-form').hidden = true;
  const n = $('#join-notice');
  n.textContent = notice || '';
  n.hidden = !notice;
  $('#join-error').hidden = true;
  $('#name-taken').hidden = true;
  if (code) checkInvite(code);
}

/** Ask whether `code` would let a guest in; show the name field, or what to do instead. */
async function checkInvite(code) {
  const checking = $('#join-checking');
  checking.hidden = false;
  let answer = null;
  let problem = null;
  try {
    answer = await api('GET', `/api/invites/${encodeURIComponent(code)}`);
  } catch (e) {
    // Too many wrong codes from here: say so; no code at all: as a wrong one. Anything
    // else (the Wi-Fi): ask for the name all the same, and let joining say what is wrong.
    if (e.code === 'rate_limited') problem = [t('invite.too_many'), e.message];
    else if (e.code === 'invalid_input') problem = inviteProblem('code_invalid');
  }
  if (state.joinCode !== code || $('#join-view').hidden) return; // the guest moved on
  checking.hidden = true;
  if (answer && answer.valid === false) problem = inviteProblem(answer.reason) || inviteProblem('code_invalid');
  if (problem) {
    showBadCode(problem);
    return;
  }
  $('#join-form').hidden = false;
  $('#username').focus();
}

function showBadCode([what, next]) {
  $('#bad-code-text').textContent = what;
  $('#bad-code-next').textContent = next;
  $('#join-bad-code').hidden = false;
  $('#code-form').hidden = false;
}

/** A code typed by hand (from a card, or read out by the host). */
export function submitCode(event) {
  event.preventDefault();
  const code = cleanCode($('#code-input').value);
  const err = $('#code-error');
  if (!code) {
    err.textContent = t('join.code_hint');
    err.hidden = false;
    $('#code-input').focus();
    return;
  }
  err.hidden = true;
  state.joinCode = code;
  showJoin();
}

/** Someone here already has this name: suggest an initial, or joining with it as is. */
function showNameTaken(name) {
  $('#name-taken-text').textContent = t('join.name_taken', { name });
  const anyway = $('#join-anyway');
  anyway.textContent = t('join.anyway', { name });
  anyway.dataset.name = name;
  $('#name-taken').hidden = false;
  const input = $('#username');
  input.value = `${name} `;
  input.focus();
  input.setSelectionRange(input.value.length, input.value.length);
}

export function submitJoin(event) {
  event.preventDefault();
  return join($('#username').value.trim(), false);
}

/** The guest keeps the name someone else here has (the page asked first). */
export function joinAnyway() {
  return join($('#join-anyway').dataset.name || $('#username').value.trim(), true);
}

async function join(name, sameNameOk) {
  const button = $('#join-submit');
  if (button.disabled) return;
  const input = $('#username');
  const err = $('#join-error');
  const fail = (message) => {
    err.textContent = message;
    err.hidden = false;
    input.setAttribute('aria-invalid', 'true');
  };
  if ([...name].length < 2 || [...name].length > 50) {
    fail(t('join.name_length'));
    input.focus();
    return;
  }
  const code = state.joinCode;
  if (!code || !/^[\x21-\x7e]{1,200}$/.test(code)) {
    fail(t('join.bad_qr'));
    return;
  }
  err.hidden = true;
  $('#name-taken').hidden = true;
  input.removeAttribute('aria-invalid');
  button.disabled = true;
  $('#join-anyway').disabled = true;
  button.textContent = t('join.joining');
  try {
    const body = { username: name };
    if (sameNameOk) body.same_name_ok = true;
    const data = await api('POST', '/api/register', {
      headers: { 'X-Registration-Code': code, 'X-Device-Id': deviceId() },
      body,
    });
    state.seen.clear();
    state.dismissed.clear();
    state.acked.clear();
    store.del(KEYS.lastEvent);
    live.lastEventId = null;
    setTokens(data);
    state.user = data.user;
    store.set(KEYS.user, data.user);
    // In pop-up mode the code that registered us is also today's scan code.
    if (state.bar.mode === 'popup') rememberScanCode(code);
    state.joinCode = null;
    history.replaceState(null, '', '/');
    startApp();
  } catch (e) {
    if (e.code === 'name_taken') showNameTaken(name);
    else fail(JOIN_ERRORS[e.code] || inviteProblemLine(e.code) || e.message);
  } finally {
    button.disabled = false;
    $('#join-anyway').disabled = false;
    button.textContent = t('join.submit');
  }
}

/** Two taps (no dialogs on a phone at a party): revoke this phone's session, then join view. */
export async function signOut() {
  const button = $('#sign-out');
  if (!button.dataset.confirm) {
    button.dataset.confirm = 'yes';
    button.textContent = t('orders.sign_out_confirm');
    setTimeout(() => {
      delete button.dataset.confirm;
      button.textContent = t('orders.sign_out');
    }, 4000);
    return;
  }
  delete button.dataset.confirm;
  button.textContent = t('orders.sign_out');
  const refresh = state.tokens && state.tokens.refresh_token;
  try {
    if (refresh) await api('POST', '/api/auth/logout', { body: { refresh_token: refresh } });
  } catch (e) {
    /* signed out here all the same; the session dies with its tokens */
  }
  endSession(t('session.signed_out'));
}

export function startApp() {
  state.started = true;
  showView('app');
  $('#greeting').textContent = t('greeting', { name: state.user.username });
  renderBar();
  renderMenu();
  renderOrders();
  renderPickups();
  renderInbox();
  showTab(state.tab);
  scheduleRefresh();
  const synced = resyncOrders().catch((e) => {
    if (!(e instanceof SessionEnded)) toast(e.message, 5000);
  });
  live.connect();
  keepSubscription();
  return synced;
}
