/* bar, guest page: what a guest must notice: sound, vibration, banners, the title. */

import { readAbout, readWhere } from './inbox.js';
import { systemNotify } from './notify.js';
import { state } from './state.js';
import { addMessage } from './views.js';

export function alertReady(order) {
  const key = `ready:${order.order_id}`;
  if (state.seen.has(key)) return;
  state.seen.add(key);
  const drink = order.drink_name || 'Your drink';
  buzz([250, 120, 250, 120, 500]);
  chime();
  systemNotify(`#${order.number} is ready!`, `${drink} — pick it up at the bar.`, key);
  flashTitle(`#${order.number} ready!`);
  window.scrollTo({ top: 0, behavior: 'smooth' });
}

export function alertEnded(order) {
  const key = `${order.status}:${order.order_id}`;
  if (state.seen.has(key)) return;
  state.seen.add(key);
  const what = `#${order.number} ${order.drink_name || ''}`.trim();
  const reason = order.cancel_reason ? ` (${order.cancel_reason})` : '';
  const text =
    order.status === 'cancelled'
      ? `Your order ${what} was cancelled${reason}.`
      : `Your order ${what} expired${reason}.`;
  const type = order.status === 'cancelled' ? 'ORDER_CANCELLED' : 'ORDER_EXPIRED';
  addMessage(order.status, text, {
    orderId: order.order_id, onDismiss: () => readAbout(order.order_id, [type]),
  });
  buzz([200]);
  systemNotify(order.status === 'cancelled' ? 'Order cancelled' : 'Order expired', text, key);
}

const audio = { ctx: null };

function unlockAudio() {
  const AC = window.AudioContext || window.webkitAudioContext;
  if (!AC) return;
  try {
    if (!audio.ctx) {
      audio.ctx = new AC();
      // A silent sample played inside the gesture unlocks audio on iOS.
      const buffer = audio.ctx.createBuffer(1, 1, 22050);
      const src = audio.ctx.createBufferSource();
      src.buffer = buffer;
      src.connect(audio.ctx.destination);
      src.start(0);
    }
    if (audio.ctx.state === 'suspended') audio.ctx.resume().catch(() => {});
  } catch (e) {
    audio.ctx = null;
  }
}

/** Browsers let a page play sound only after a tap or a key: unlock it on every one. */
export function unlockAudioOnGesture() {
  for (const type of ['pointerdown', 'keydown', 'touchend']) {
    document.addEventListener(type, unlockAudio, { capture: true, passive: true });
  }
}

/** A short rising three-note chime, made with WebAudio (no sound file to download). */
function chime() {
  const ctx = audio.ctx;
  if (!ctx) return;
  const play = () => {
    const t0 = ctx.currentTime + 0.03;
    [
      [784, 0],
      [1047, 0.16],
      [1568, 0.32],
    ].forEach(([freq, dt]) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'sine';
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, t0 + dt);
      gain.gain.exponentialRampToValueAtTime(0.4, t0 + dt + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t0 + dt + 0.55);
      osc.connect(gain);
      gain.connect(ctx.destination);
      osc.start(t0 + dt);
      osc.stop(t0 + dt + 0.6);
    });
  };
  if (ctx.state === 'running') play();
  else ctx.resume().then(play).catch(() => {});
}

function buzz(pattern) {
  try {
    if (navigator.vibrate) navigator.vibrate(pattern);
  } catch (e) {
    /* not allowed yet */
  }
}

function flashTitle(text) {
  if (!document.hidden) return;
  document.title = `(!) ${text}`;
  const restore = () => {
    if (!document.hidden) {
      document.title = state.bar.name;
      document.removeEventListener('visibilitychange', restore);
    }
  };
  document.addEventListener('visibilitychange', restore);
}

export function showAnnouncement(message, eventId) {
  if (!message) return;
  const key = eventId !== undefined && eventId !== null ? `ann:${eventId}` : `ann:${message}`;
  if (state.seen.has(key)) return;
  state.seen.add(key);
  addMessage('announcement', String(message), {
    title: `From ${state.bar.name}`,
    onDismiss: () => {
      state.acked.add(`ANNOUNCEMENT:${eventId}`);
      readWhere((n) => n.type === 'ANNOUNCEMENT' && n.payload && n.payload.event_id === eventId);
    },
  });
  buzz([120]);
  systemNotify(state.bar.name, String(message), key);
}

export function alertReminder(order) {
  const key = `remind:${order.order_id}`;
  if (state.seen.has(key)) return;
  state.seen.add(key);
  const text = `#${order.number} ${order.drink_name || 'Your drink'} is still waiting for you at the bar.`;
  addMessage('reminder', text, { title: 'Don’t forget your drink!', onDismiss: () => readAbout(order.order_id, ['ORDER_REMINDER']) });
  buzz([250, 120, 250]);
  chime();
  systemNotify(`#${order.number} is still waiting`, text, key);
}
