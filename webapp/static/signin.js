/* bar: a barista's sign-in (the tablet's form, the TV board's with ?admin=1).
 *
 * Its words are in the page's catalog (`signin.*` keys, in the board's and the
 * tablet's); the request says the page's language, so the server's own message (too
 * many tries) comes back in it.
 */

import { $ } from './common.js';
import { language, t } from './i18n.js';

class LoginError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * `POST /api/admin/login`: resolves to `{access_token, expires_in}`. Rejects with a
 * LoginError carrying the message to show (wrong password, server's message, no network).
 */
async function adminLogin(username, password) {
  let res;
  try {
    res = await fetch('/api/admin/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-Bar-Language': language },
      body: JSON.stringify({ username, password }),
    });
  } catch (e) {
    throw new LoginError(0, t('signin.network'));
  }
  const data = await res.json().catch(() => null);
  if (!res.ok || !data || !data.access_token) {
    const err = (data && data.error) || {};
    const message = res.status === 401 ? t('signin.wrong') : err.message || t('signin.failed', { status: res.status });
    throw new LoginError(res.status, message);
  }
  return data;
}

/**
 * A sign-in form's submit: resolves to the admin token, or to null once `show(message,
 * status)` has said what is wrong. `ids`: the form's username, password and submit.
 */
export async function submitAdminLogin(event, ids, show) {
  event.preventDefault();
  const button = $(ids.submit);
  if (button.disabled) return null;
  const username = $(ids.username).value.trim();
  const password = $(ids.password).value;
  if (!username || !password) {
    show(t('signin.empty'), 0);
    return null;
  }
  button.disabled = true;
  try {
    const data = await adminLogin(username, password);
    $(ids.password).value = '';
    return data.access_token;
  } catch (e) {
    if (e.status === 401) $(ids.password).value = '';
    show(e.message, e.status);
    return null;
  } finally {
    button.disabled = false;
  }
}
