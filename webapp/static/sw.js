/* bar: the service worker. It shows the bar's notifications: the page's own (Android
 * Chrome shows page notifications only through a service worker) and the lock-screen
 * ones the bar pushes ("#12 Negroni is ready", the host's announcements: Web Push), even
 * with the page closed; a tap opens that order, or the page. A notification's body is
 * plain text: a host's words are shown as typed. It caches nothing: the bar's page must
 * always be the live one. */
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch (e) {
    message = { title: event.data ? event.data.text() : '' };
  }
  const title = message.title || 'News from the bar';
  event.waitUntil(
    self.registration.showNotification(title, {
      body: message.body || '',
      tag: message.tag, // the page's alert of the same news has the same tag: one, not two
      renotify: Boolean(message.tag),
      icon: '/static/icon-192.png',
      data: { url: message.url || '/', order_id: message.order_id || null },
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const data = event.notification.data || {};
  const url = new URL(data.url || '/', self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((windows) => {
      for (const win of windows) {
        if ('focus' in win) {
          if (data.order_id) win.postMessage({ type: 'open-order', order_id: data.order_id });
          return win.focus();
        }
      }
      return self.clients.openWindow(url);
    }),
  );
});
