/* bar, guest page: lock-screen notifications (Web Push). The browser subscribes with
 * its push service (notify.js); the bar keeps the subscription for this phone's session
 * (POST /api/push/subscriptions, with the refresh token that names the session), and
 * forgets it when the guest signs out or is kicked. */

import { t } from '../i18n.js';
import { api } from './api.js';
import { askPermission, browserSubscription, dropBrowserSubscription, notificationSupport, registerWorker, sayOnce } from './notify.js';
import { state } from './state.js';
import { toast } from './views.js';


/** Hand this browser's subscription to the bar; false (and the page says why, once) if
 * the browser could not subscribe. */
async function subscribeHere(key) {
  let sub;
  try {
    sub = await browserSubscription(key);
  } catch (e) {
    sayOnce(t('notify.no_push'));
    return false;
  }
  if (!state.tokens) return false;
  await api('POST', '/api/push/subscriptions', {
    auth: true,
    body: { subscription: sub.toJSON(), refresh_token: state.tokens.refresh_token },
  });
  return true;
}

/** "Notify me": ask, subscribe, tell the bar. */
export async function askNotifications() {
  const can = await notificationSupport();
  if (!(await askPermission())) return;
  registerWorker();
  if (can.level === 'push') {
    try {
      if (await subscribeHere(can.key)) {
        toast(t('notify.on_push'), 5000);
        return;
      }
    } catch (e) {
      toast(e.message || t('notify.failed'), 5000);
      return;
    }
  }
  toast(t('notify.on_page'));
}

/** At every start: a phone that allowed notifications before (this session or an earlier
 * one) is subscribed for this session too. */
export async function keepSubscription() {
  if (!('Notification' in window) || Notification.permission !== 'granted') return;
  const can = await notificationSupport();
  if (can.level !== 'push') return;
  try {
    await subscribeHere(can.key);
  } catch (e) {
    /* offline now: the next start tries again */
  }
}

/** Signed out: this browser gets nothing more from the bar. */
export function forgetSubscription() {
  return dropBrowserSubscription();
}
