/* bar, guest page: lock-screen notifications (Web Push). The browser subscribes with
 * its push service (notify.js); the bar keeps the subscription for this phone's session
 * (POST /api/push/subscriptions, with the refresh token that names the session), and
 * forgets it when the guest signs out or is kicked. */

import { api } from './api.js';
import { askPermission, browserSubscription, dropBrowserSubscription, notificationSupport, registerWorker, sayOnce } from './notify.js';
import { state } from './state.js';
import { toast } from './views.js';

const NO_PUSH = 'Your phone’s notification service couldn’t be reached, so you’ll be told only while this page is open: it chimes and vibrates when your drink is ready.';

/** Hand this browser's subscription to the bar; false (and the page says why, once) if
 * the browser could not subscribe. */
async function subscribeHere(key) {
  let sub;
  try {
    sub = await browserSubscription(key);
  } catch (e) {
    sayOnce(NO_PUSH);
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
        toast('Done: we’ll notify you when your drink is ready, even with this page closed.', 5000);
        return;
      }
    } catch (e) {
      toast(e.message || 'Couldn’t turn on notifications.', 5000);
      return;
    }
  }
  toast('We’ll notify you when your drink is ready while this page is open.');
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
