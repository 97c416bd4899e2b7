/* bar, guest page: the access token's lifetime and the refresh token's rotation,
 * shared with the guest's other tabs through localStorage. */

import { t } from '../i18n.js';
import { errorFrom, rawFetch, SessionEnded } from './http.js';
import { emit, state } from './state.js';
import { KEYS, store } from './store.js';

export function setTokens(data) {
  const expiresIn = Number(data.expires_in) || jwtLifetime(data.access_token) || 3600;
  state.tokens = {
    access_token: data.access_token,
    refresh_token: data.refresh_token,
    expires_at: Date.now() + expiresIn * 1000,
  };
  store.set(KEYS.tokens, state.tokens);
  scheduleRefresh();
}

/** Seconds until the JWT's `exp`, as a fallback when the server sends no expires_in. */
function jwtLifetime(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(atob(part));
    return claims.exp && claims.iat ? claims.exp - claims.iat : 0;
  } catch (e) {
    return 0;
  }
}

export function scheduleRefresh() {
  clearTimeout(state.refreshTimer);
  if (!state.tokens) return;
  const left = state.tokens.expires_at - Date.now();
  // Refresh at about 80% of the lifetime, jittered so that two tabs don't race.
  const delay = Math.max(5000, left * (0.75 + Math.random() * 0.1));
  state.refreshTimer = setTimeout(() => {
    refreshTokens().catch(() => {
      /* network trouble: try again later */
      state.refreshTimer = setTimeout(scheduleRefresh, 30000);
    });
  }, Math.min(delay, 2147483000));
}

export async function ensureFreshToken() {
  if (!state.tokens) throw new SessionEnded();
  if (state.tokens.expires_at - Date.now() > 30000) return;
  try {
    await refreshTokens();
  } catch (e) {
    if (e instanceof SessionEnded) throw e;
    /* offline: carry on with the old token, the server decides */
  }
}

/** Rotate the refresh token. Single flight; adopts a newer pair another tab stored. */
export function refreshTokens() {
  if (state.refreshing) return state.refreshing;
  const run = async () => {
    const held = state.tokens;
    const stored = store.get(KEYS.tokens);
    if (stored && held && stored.refresh_token !== held.refresh_token && stored.expires_at > Date.now() + 30000) {
      state.tokens = stored; // another tab refreshed already: presenting the old token would revoke both
      scheduleRefresh();
      return;
    }
    if (!held) throw new SessionEnded();
    const { res, data } = await rawFetch('POST', '/api/auth/refresh', {
      body: { refresh_token: held.refresh_token },
    });
    if (res.ok && data && data.access_token) {
      setTokens(data);
      return;
    }
    if (res.status === 400 || res.status === 401 || res.status === 403) {
      emit('session-ended', t('session.ended'));
      throw new SessionEnded();
    }
    throw errorFrom(res, data);
  };
  const locked = navigator.locks ? () => navigator.locks.request('bar-refresh', run) : run;
  state.refreshing = locked().finally(() => {
    state.refreshing = null;
  });
  return state.refreshing;
}

/** Another tab refreshed or signed out. */
export function followOtherTabs() {
  window.addEventListener('storage', (e) => {
    if (e.key === KEYS.tokens) {
      const tokens = store.get(KEYS.tokens);
      if (tokens) {
        state.tokens = tokens;
        scheduleRefresh();
      } else if (state.started) {
        emit('session-ended', t('session.other_tab'));
      }
    }
  });
}
