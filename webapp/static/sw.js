/* bar: a service worker for one job only, showing "your drink is ready" notifications
 * (Android Chrome shows page notifications only through a service worker). It caches
 * nothing: the bar's page must always be the live one. */
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((windows) => {
      for (const win of windows) {
        if ('focus' in win) return win.focus();
      }
      return self.clients.openWindow('/');
    }),
  );
});
