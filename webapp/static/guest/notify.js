/* bar, guest page: the browser's notifications, and what this browser can get.
 *
 * Three levels, best first:
 *   push: a secure origin, a browser with Web Push and a bar with a push key: "Notify me"
 *         subscribes (push.js hands the subscription to the bar), and the service worker
 *         shows "#12 Negroni is ready" on the lock screen even with the page closed;
 *   page: notifications only while the page is open (no push service reachable);
 *   none: plain HTTP, or a browser without notifications: the chime, vibration and
 *         banner only, and the page says so once.
 * The offer's wording follows the browser (an iPhone needs the page on its Home Screen). */

import { $ } from '../common.js';
import { t } from '../i18n.js';
import { rawFetch } from './http.js';
import { KEYS, store } from './store.js';
import { addMessage } from './views.js';

const WORKER = '/static/sw.js';
const SUBSCRIBE_TIMEOUT_MS = 15_000;
let support = null; // the promise of what this browser can get, asked once

function notificationsSupported() {
  return 'Notification' in window && window.isSecureContext;
}

function browser() {
  const ua = navigator.userAgent;
  const ios = /iPhone|iPad|iPod/.test(ua) || (navigator.platform === 'MacIntel' && navigator.maxTouchPoints > 1);
  const standalone = window.matchMedia('(display-mode: standalone)').matches || navigator.standalone === true;
  if (ios) return standalone ? 'ios-app' : 'ios-safari';
  if (/Firefox\//.test(ua)) return 'firefox';
  if (/Android/.test(ua)) return 'android';
  if (/Safari\//.test(ua) && !/Chrome\/|Chromium\//.test(ua)) return 'safari';
  return 'desktop';
}

/** What a tap on "Notify me" leads to, said under the button, per browser. */
const HINTS = {
  android: t('notify.hint.android'),
  firefox: t('notify.hint.firefox'),
  'ios-app': t('notify.hint.ios_app'),
  safari: t('notify.hint.safari'),
  desktop: t('notify.hint.desktop'),
};

/** {level: 'push'|'page'|'none', why, key}: what this browser can get here (asked once). */
export function notificationSupport() {
  if (!support) {
    support = (async () => {
      const kind = browser();
      if (!window.isSecureContext) {
        return { level: 'none', kind, why: t('notify.why.http') };
      }
      if (kind === 'ios-safari' && !('PushManager' in window)) {
        return { level: 'none', kind, why: t('notify.why.ios') };
      }
      if (!notificationsSupported()) {
        return { level: 'none', kind, why: t('notify.why.unsupported') };
      }
      let info = null;
      try {
        const { res, data } = await rawFetch('GET', '/api/push');
        if (res.ok) info = data;
      } catch (e) {
        info = null;
      }
      const push = info && info.available && info.public_key && 'serviceWorker' in navigator && 'PushManager' in window;
      return push ? { level: 'push', kind, key: info.public_key } : { level: 'page', kind, why: '' };
    })();
  }
  return support;
}

/** Show "Notify me" (with the browser's wording) where it can help, or say once why not. */
export async function offerNotifications() {
  const can = await notificationSupport();
  if (can.level === 'none') {
    sayOnce(can.why);
    return;
  }
  if (Notification.permission !== 'default' || store.get(KEYS.asked)) return;
  $('#notify-hint').textContent = can.level === 'push' ? HINTS[can.kind] || HINTS.desktop : t('notify.hint.page');
  $('#notify-hint').hidden = false;
  $('#notify-button').hidden = false;
}

/** A note that stays until dismissed, once per phone (not at every order). */
export function sayOnce(text) {
  if (!text || store.get(KEYS.notifyNotice)) return;
  store.set(KEYS.notifyNotice, true);
  addMessage('notice', text, { title: t('notify.about') });
}

export function hideOffer() {
  $('#notify-button').hidden = true;
  $('#notify-hint').hidden = true;
}

/** Ask for the permission (after a tap). True if granted. */
export async function askPermission() {
  store.set(KEYS.asked, true);
  hideOffer();
  try {
    return (await Notification.requestPermission()) === 'granted';
  } catch (e) {
    return false; /* older browsers: no promise API */
  }
}

export function registerWorker() {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return Promise.resolve(null);
  return navigator.serviceWorker.register(WORKER, { scope: '/static/' }).catch(() => null);
}

/** Resolves once the worker runs (subscribing needs an active one). Not
 * `navigator.serviceWorker.ready`: that waits for a worker controlling this page, and
 * the bar's worker, scoped to /static/, controls none. */
function activated(reg) {
  const worker = reg.installing || reg.waiting;
  if (reg.active || !worker) return Promise.resolve();
  return new Promise((resolve) => {
    worker.addEventListener('statechange', () => {
      if (worker.state === 'activated' || worker.state === 'redundant') resolve();
    });
  });
}

/** This browser's push subscription for the bar's key (made if need be), or null with
 * the reason in `error` (no push service reachable: offline, or blocked). */
export async function browserSubscription(key) {
  const reg = await registerWorker();
  if (!reg || !reg.pushManager) throw new Error('no service worker');
  await activated(reg);
  const existing = await reg.pushManager.getSubscription();
  if (existing) return existing;
  // A phone without internet (the party Wi-Fi may have none) waits for its push
  // service indefinitely: give up after a while and say what the guest gets instead.
  let timer;
  const late = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error('the push service did not answer')), SUBSCRIBE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Drop this browser's subscription (signed out): nothing more reaches this phone. */
export async function dropBrowserSubscription() {
  try {
    const reg = 'serviceWorker' in navigator ? await navigator.serviceWorker.getRegistration('/static/') : null;
    const sub = reg && reg.pushManager ? await reg.pushManager.getSubscription() : null;
    if (sub) await sub.unsubscribe();
  } catch (e) {
    /* the bar forgot it with the session anyway */
  }
}

export async function systemNotify(title, body, tag) {
  if (!notificationsSupported() || Notification.permission !== 'granted') return;
  if (!document.hidden && document.hasFocus()) return; // the page itself shows it
  const options = { body, tag, renotify: true, icon: '/static/icon-192.png' };
  try {
    // Android Chrome only shows notifications through a service worker.
    const reg = await registerWorker();
    if (reg && reg.showNotification) {
      await reg.showNotification(title, options);
      return;
    }
  } catch (e) {
    /* fall through */
  }
  try {
    new Notification(title, options); // eslint-disable-line no-new
  } catch (e) {
    /* not supported */
  }
}
