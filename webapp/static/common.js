/* bar: what every page shares: DOM helpers, server times and the admin sign-in. */

export const $ = (sel) => document.querySelector(sel);

/**
 * An element with text-only children: strings become Text nodes, never HTML (guest
 * names and notes are text everywhere). `props` is a class name, or attributes with
 * two special keys, `class` and `text`. Attributes and children that are null,
 * undefined or false are left out.
 */
export function el(tag, props, ...children) {
  const node = document.createElement(tag);
  if (typeof props === 'string') {
    if (props) node.className = props;
  } else if (props) {
    for (const [key, value] of Object.entries(props)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === 'text') node.textContent = String(value);
      else if (key === 'class') node.className = value;
      else node.setAttribute(key, value === true ? '' : String(value));
    }
  }
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

/** Milliseconds of an ISO time from the server (microseconds cut to what Date parses). */
export function ts(iso) {
  if (!iso) return 0;
  const t = Date.parse(String(iso).replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(t) ? 0 : t;
}

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
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ username, password }),
    });
  } catch (e) {
    throw new LoginError(0, "Couldn't reach the server.");
  }
  const data = await res.json().catch(() => null);
  if (!res.ok || !data || !data.access_token) {
    const err = (data && data.error) || {};
    const message = res.status === 401 ? 'Wrong username or password.' : err.message || `Sign-in failed (${res.status}).`;
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
    show('Enter your username and password.', 0);
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

/**
 * An admin token kept for this tab only (sessionStorage): it survives a reload, not
 * the tab, so a shared TV or tablet does not stay signed in for the next person.
 */
export const tabToken = {
  get(key) {
    try {
      return sessionStorage.getItem(key);
    } catch (e) {
      return null;
    }
  },
  set(key, token) {
    try {
      if (token) sessionStorage.setItem(key, token);
      else sessionStorage.removeItem(key);
    } catch (e) {
      /* storage refused: the token lives in memory only */
    }
  },
};
