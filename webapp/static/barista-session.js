/* bar: the barista view's sign-in and its admin API calls.
 *
 * The admin access token lives in sessionStorage (gone with the tab, never shared with
 * another tab) and goes out only as `Authorization: Bearer`, never in a URL or a
 * cookie. A 401 or 403 from any call forgets it and shows the sign-in form with a
 * message.
 *
 *   const session = createSession({
 *     onSignedIn(token, username) {},    // show the queue, connect the socket
 *     onSignedOut() {},                  // forget what the token showed
 *   });
 *   session.start(); session.token; await session.api(path, {method, body | file});
 *   session.signOut(message); session.toast(text); session.failed(error, what);
 */

import { $, tabToken } from './common.js';
import { language, t } from './i18n.js';
import { submitAdminLogin } from './signin.js';

const TOKEN_KEY = 'bar.barista.token';
const EXPIRED = t('signin.expired');

/** Thrown by `api` once the page has gone back to the sign-in form. */
class SignedOut extends Error {}

const readToken = () => tabToken.get(TOKEN_KEY);
const storeToken = (token) => tabToken.set(TOKEN_KEY, token);

/** The `username` claim, to say who is signed in (the server checks the token). */
function tokenName(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(part), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes)).username || '';
  } catch (e) {
    return '';
  }
}

export function create({ onSignedIn, onSignedOut }) {
  let token = null;
  let toastTimer = null;

  function showLogin(message, focus = '#login-username') {
    $('#queue-view').hidden = true;
    $('#tools').hidden = true;
    $('#live-indicator').hidden = true;
    $('#login-view').hidden = false;
    const err = $('#login-error');
    err.textContent = message || '';
    err.hidden = !message;
    for (const dialog of document.querySelectorAll('dialog[open]')) dialog.close();
    $(focus).focus();
  }

  /** Forget the token; back to the form, saying `message` if there is one. */
  function signOut(message) {
    token = null;
    storeToken(null);
    onSignedOut();
    showLogin(message);
  }

  function signedIn(value) {
    token = value;
    const name = tokenName(value);
    $('#signed-in').textContent = name;
    $('#signed-in').title = name ? t('signed_in_as', { name }) : '';
    $('#login-view').hidden = true;
    $('#queue-view').hidden = false;
    $('#tools').hidden = false;
    $('#live-indicator').hidden = false;
    onSignedIn(value, name);
  }

  async function submitLogin(event) {
    const ids = { username: '#login-username', password: '#login-password', submit: '#login-submit' };
    const token = await submitAdminLogin(event, ids, (message, status) =>
      showLogin(message, status === 401 ? '#login-password' : undefined),
    );
    if (!token) return;
    storeToken(token);
    signedIn(token);
  }

  /** An admin API call; throws SignedOut after a 401/403, else the server's message. */
  async function api(path, { method = 'GET', body, file } = {}) {
    if (!token) throw new SignedOut();
    // The server's messages (a guest's name taken, too many tries) come in the tablet's language.
    const headers = { Accept: 'application/json', Authorization: `Bearer ${token}`, 'X-Bar-Language': language };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    // A file (a drink's photo) goes as the raw body, with its own type.
    if (file !== undefined) headers['Content-Type'] = file.type || 'application/octet-stream';
    const payload = file !== undefined ? file : body === undefined ? undefined : JSON.stringify(body);
    const res = await fetch(path, { method, headers, cache: 'no-store', body: payload });
    const data = await res.json().catch(() => null);
    if (res.status === 401 || res.status === 403) {
      if (token) signOut(EXPIRED);
      throw new SignedOut();
    }
    if (!res.ok) {
      const err = new Error((data && data.error && data.error.message) || `HTTP ${res.status}`);
      err.status = res.status;
      throw err;
    }
    return data;
  }

  function toast(message) {
    const node = $('#toast');
    node.textContent = message;
    node.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => {
      node.hidden = true;
    }, 4000);
  }

  /** Say what went wrong with `what`; nothing to say once signed out. */
  function failed(e, what) {
    if (e instanceof SignedOut) return;
    toast(e.status ? t('error.what', { what, message: e.message }) : t('error.unreachable', { what }));
  }

  function start() {
    $('#login-form').addEventListener('submit', submitLogin);
    $('#signout').addEventListener('click', () => signOut(''));
    const stored = readToken();
    if (stored) signedIn(stored);
    else showLogin('');
  }

  return {
    start,
    api,
    signOut,
    toast,
    failed,
    expired: () => signOut(EXPIRED),
    get token() {
      return token;
    },
  };
}
