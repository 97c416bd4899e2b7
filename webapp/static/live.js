/* bar: the WebSocket client every page shares (guest page, TV board, barista tablet).
 *
 * One socket to /ws at a time: it connects, pings every 20 s and drops a socket that
 * has said nothing for 45 s, reconnects with jittered exponential backoff (up to
 * ~10 s), reports its state for the Live/Offline indicator, and keeps the `since`
 * cursor: the id of the last event seen, resent with every subscribe so a reconnect
 * replays what was missed. What to send on open and what a message means stay in
 * the page.
 *
 *   import { create } from './live.js';
 *   const live = create({
 *     canConnect: () => true,            // optional: may we (re)connect now?
 *     lastEventId: null,                 // optional: where a stored cursor starts
 *     onLastEventId(id) {},              // optional: the cursor moved (to persist it)
 *     onOpen(ws) { live.subscribe(ws, ['display']); },
 *     onMessage(msg, ws) {},             // after the module's own bookkeeping
 *     onStateChange(state) {},           // 'connecting' | 'live' | 'offline'
 *   });
 *   live.connect(); live.reconnectNow(); live.scheduleReconnect(); live.close();
 *   live.isOpen(); live.lastEventId;     // readable and writable
 */

const PING_EVERY = 20000;
const SILENT_FOR = 45000;
const MAX_BACKOFF = 10000;

export function create(options) {
  const opts = options || {};
  const noop = () => {};
  const canConnect = opts.canConnect || (() => true);
  const onOpen = opts.onOpen || noop;
  const onMessage = opts.onMessage || noop;
  const onStateChange = opts.onStateChange || noop;
  const onLastEventId = opts.onLastEventId || noop;
  const url = opts.url || (() => `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`);

  let current = null; // the WebSocket in use
  let attempt = 0;
  let reconnectTimer = null;
  let lastEventId = typeof opts.lastEventId === 'number' ? opts.lastEventId : null;
  let subscribedLastId = null; // where the current subscription started

  function setLastEventId(id, { force = false } = {}) {
    if (typeof id !== 'number' || !Number.isFinite(id)) return;
    if (!force && lastEventId !== null && id <= lastEventId) return;
    lastEventId = id;
    onLastEventId(id);
  }

  function connect() {
    clearTimeout(reconnectTimer);
    if (!canConnect()) return;
    if (current && current.readyState <= WebSocket.OPEN) return; // open or connecting
    onStateChange('connecting');
    let ws;
    try {
      ws = new WebSocket(url());
    } catch (e) {
      scheduleReconnect();
      return;
    }
    current = ws;
    ws.addEventListener('open', () => {
      heartbeat(ws);
      onOpen(ws);
    });
    ws.addEventListener('message', (e) => {
      ws.lastHeard = Date.now();
      if (ws !== current) return;
      let msg;
      try {
        msg = JSON.parse(e.data);
      } catch (err) {
        return;
      }
      track(msg);
      onMessage(msg, ws);
    });
    ws.addEventListener('close', () => {
      if (ws !== current) return;
      current = null;
      onStateChange('offline');
      scheduleReconnect();
    });
  }

  /** The bookkeeping every page does: backoff reset, indicator, `since` cursor. */
  function track(msg) {
    switch (msg.type) {
      case 'subscribed':
        attempt = 0;
        onStateChange('live');
        subscribedLastId = typeof msg.last_id === 'number' ? msg.last_id : null;
        if (lastEventId === null) setLastEventId(subscribedLastId);
        break;
      case 'event':
        setLastEventId(msg.id);
        break;
      case 'resync':
        // Our `since` is too old (or from another database): the page reloads over
        // REST, and the cursor carries on from where this subscription started.
        if (subscribedLastId !== null) setLastEventId(subscribedLastId, { force: true });
        break;
      default:
        break;
    }
  }

  /** A phone that changed networks can hold a dead socket for minutes: ping, and give
   * up on a socket that has said nothing for a while. The server answers "pong". */
  function heartbeat(ws) {
    ws.lastHeard = Date.now();
    const timer = setInterval(() => {
      if (ws.readyState !== WebSocket.OPEN) {
        clearInterval(timer);
        return;
      }
      if (Date.now() - ws.lastHeard > SILENT_FOR) {
        clearInterval(timer);
        ws.close();
        if (ws === current) {
          current = null;
          onStateChange('offline');
          scheduleReconnect();
        }
        return;
      }
      try {
        ws.send(JSON.stringify({ type: 'ping' }));
      } catch (e) {
        /* closing */
      }
    }, PING_EVERY);
  }

  function scheduleReconnect() {
    clearTimeout(reconnectTimer);
    if (!canConnect()) return;
    const base = Math.min(MAX_BACKOFF, 500 * 2 ** attempt);
    attempt = Math.min(attempt + 1, 10);
    reconnectTimer = setTimeout(connect, base * (0.8 + Math.random() * 0.4));
  }

  /** Forget and close the socket, with no reconnect planned. */
  function close() {
    clearTimeout(reconnectTimer);
    const ws = current;
    current = null;
    if (ws) ws.close();
  }

  function reconnectNow() {
    close();
    attempt = 0;
    connect();
  }

  /** Subscribe `ws` to `channels`, from the last event seen if there is one. */
  function subscribe(ws, channels) {
    const sub = { type: 'subscribe', channels };
    if (lastEventId !== null) sub.since = lastEventId;
    ws.send(JSON.stringify(sub));
  }

  return {
    connect,
    reconnectNow,
    scheduleReconnect,
    close,
    subscribe,
    isOpen: () => Boolean(current && current.readyState === WebSocket.OPEN),
    get lastEventId() {
      return lastEventId;
    },
    set lastEventId(id) {
      lastEventId = typeof id === 'number' ? id : null;
    },
  };
}
