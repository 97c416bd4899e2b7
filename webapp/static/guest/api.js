/* bar, guest page: JSON requests to the bar's API, with the guest's token.
 *
 * The request itself and its errors (ApiError, SessionEnded) are in http.js. */

import { t } from '../i18n.js';
import { errorFrom, rawFetch, SessionEnded, SIGNED_OUT_MESSAGE } from './http.js';
import { emit, state } from './state.js';
import { ensureFreshToken, refreshTokens } from './tokens.js';

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
        emit('session-ended', SIGNED_OUT_MESSAGE);
        throw new SessionEnded();
      }
      if (attempt === 0) {
        await refreshTokens();
        continue;
      }
      emit('session-ended', t('session.ended'));
      throw new SessionEnded();
    }
    throw errorFrom(res, data);
  }
}
