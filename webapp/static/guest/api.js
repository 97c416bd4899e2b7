/* bar, guest page: JSON requests to the bar's API, with the guest's token.
 *
 * Errors come back as ApiError (status, code, message to show); a session the server
 * has ended comes back as SessionEnded, once the page is on the join screen. */

import { endSession } from './session.js';
import { state } from './state.js';
import { ensureFreshToken, refreshTokens } from './tokens.js';

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** The guest's session is over (refresh refused): the page is back on the join screen. */
export class SessionEnded extends Error {}

export const SIGNED_OUT_MESSAGE = 'The host signed you out. Ask at the bar if that’s a mistake.';
export const NETWORK_MESSAGE = "Couldn't reach the bar. Check that you're on the bar's Wi-Fi and try again.";

function defaultMessage(status) {
  if (status >= 500) return 'Something went wrong at the bar. Please try again.';
  return `The bar said no (${status}).`;
}

export async function rawFetch(method, path, { body, headers } = {}) {
  const h = Object.assign({ Accept: 'application/json' }, headers || {});
  if (body !== undefined) h['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, {
      method,
      headers: h,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'same-origin',
    });
  } catch (e) {
    throw new ApiError(0, 'network', NETWORK_MESSAGE);
  }
  let data = null;
  try {
    data = await res.json();
  } catch (e) {
    data = null;
  }
  return { res, data };
}

export function errorFrom(res, data) {
  const err = (data && data.error) || {};
  return new ApiError(res.status, err.code || `http_${res.status}`, err.message || defaultMessage(res.status));
}

/** A JSON request; with `auth`, a fresh access token, and on 401 one refresh and retry. */
export async function api(method, path, { body, headers, auth = false } = {}) {
  for (let attempt = 0; ; attempt++) {
    const h = Object.assign({}, headers || {});
    if (auth) {
      if (!state.tokens) throw new SessionEnded();
      await ensureFreshToken();
      h.Authorization = `Bearer ${state.tokens.access_token}`;
    }
    const { res, data } = await rawFetch(method, path, { body, headers: h });
    if (res.ok) return data || {};
    if (auth && res.status === 401) {
      if (data && data.error && data.error.code === 'signed_out') {
        endSession(SIGNED_OUT_MESSAGE);
        throw new SessionEnded();
      }
      if (attempt === 0) {
        await refreshTokens();
        continue;
      }
      endSession('Your session has ended. Scan the QR code at the bar to join again.');
      throw new SessionEnded();
    }
    throw errorFrom(res, data);
  }
}
