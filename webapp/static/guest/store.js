/* bar, guest page: what the page keeps in localStorage (tokens, the event cursor,
 * alerts already given, the pop-up scan code). Storage may be refused (private mode,
 * full): the page then carries on in memory. */

export const KEYS = {
  tokens: 'bar.tokens', // {access_token, refresh_token, expires_at}
  user: 'bar.user', // {user_key, username}
  lastEvent: 'bar.lastEventId',
  scan: 'bar.scanCode', // {code, at}: pop-up mode, the code scanned at the bar
  asked: 'bar.notifyAsked',
  notifyNotice: 'bar.notifyNotice', // the page said once why it cannot notify the lock screen
  seen: 'bar.seen', // alerts already given (ready:<id>, cancelled:<id>, ann:<event id>)
  dismissed: 'bar.dismissed', // pickup cards the guest closed
  acked: 'bar.acked', // <notification type>:<order id> the guest has seen and dismissed
  device: 'bar.device', // this phone's random id, sent on joining (kept across sign-outs)
};

export const store = {
  get(key) {
    try {
      const raw = localStorage.getItem(key);
      return raw === null ? null : JSON.parse(raw);
    } catch (e) {
      return null;
    }
  },
  set(key, value) {
    try {
      localStorage.setItem(key, JSON.stringify(value));
    } catch (e) {
      /* private mode or full: memory only */
    }
  },
  del(key) {
    try {
      localStorage.removeItem(key);
    } catch (e) {
      /* ignore */
    }
  },
};

/** A bounded set of strings kept in localStorage. */
export function persistentSet(key, max) {
  const items = (store.get(key) || []).filter((x) => typeof x === 'string');
  const set = new Set(items);
  return {
    has: (x) => set.has(x),
    add(x) {
      if (set.has(x)) return;
      set.add(x);
      items.push(x);
      while (items.length > max) set.delete(items.shift());
      store.set(key, items);
    },
    delete(x) {
      if (!set.delete(x)) return;
      items.splice(items.indexOf(x), 1);
      store.set(key, items);
    },
    clear() {
      set.clear();
      items.length = 0;
      store.del(key);
    },
  };
}

/** Pop-up mode: the code this phone scanned at the bar (orders carry it), or null. */
export function scanCode() {
  const stored = store.get(KEYS.scan);
  return stored && typeof stored.code === 'string' ? stored.code : null;
}

export function rememberScanCode(code) {
  store.set(KEYS.scan, { code, at: Date.now() });
}

let device = null;

/** This phone's random id (32 hex digits), made once and kept: a kick keeps the phone
 * out for the night as well as the name. Storage refused: one id for this page. */
export function deviceId() {
  if (device) return device;
  const stored = store.get(KEYS.device);
  if (typeof stored === 'string' && /^[0-9a-f]{32}$/.test(stored)) {
    device = stored;
  } else {
    // getRandomValues, not randomUUID: the bar is plain http on the LAN.
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    device = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    store.set(KEYS.device, device);
  }
  return device;
}
