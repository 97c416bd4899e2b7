/* bar, guest page: one JSON request to the bar's API, and the errors a request ends in.
 *
 * No token here: api.js adds the guest's, tokens.js keeps them fresh. Errors come back
 * as ApiError (status, code, message to show); a session the server has ended comes
 * back as SessionEnded, once the page is on the join screen. Every request says the
 * page's language (X-Bar-Language), so the server's messages come back in it. */

import { language, t } from '../i18n.js';

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** The guest's session is over (refresh refused): the page is back on the join screen. */
export class SessionEnded extends Error {}

export const SIGNED_OUT_MESSAGE = t('error.signed_out');
export const NETWORK_MESSAGE = t('error.network');

function defaultMessage(status) {
  if (status >= 500) return t('error.server');
  return t('error.refused', { status });
}

export async function rawFetch(method, path, { body, headers } = {}) {
  const h = Object.assign({ Accept: 'application/json', 'X-Bar-Language': language }, headers || {});
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
