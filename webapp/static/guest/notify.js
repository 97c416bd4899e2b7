/* bar, guest page: the browser's notifications (asked for once, after an order). */

import { $ } from '../common.js';
import { KEYS, store } from './store.js';
import { toast } from './views.js';

function notificationsSupported() {
  return 'Notification' in window && window.isSecureContext;
}

export function offerNotifications() {
  if (!notificationsSupported() || Notification.permission !== 'default' || store.get(KEYS.asked)) return;
  $('#notify-button').hidden = false;
}

export async function askNotifications() {
  store.set(KEYS.asked, true);
  $('#notify-button').hidden = true;
  try {
    const result = await Notification.requestPermission();
    if (result === 'granted') {
      registerWorker();
      toast("We'll notify you when your drink is ready.");
    }
  } catch (e) {
    /* older browsers: no promise API; skip */
  }
}

function registerWorker() {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return Promise.resolve(null);
  return navigator.serviceWorker.register('/static/sw.js', { scope: '/static/' }).catch(() => null);
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
