/* bar, guest page: what a guest must notice: sound, vibration, banners, the title. */

import { $ } from '../common.js';
import { t } from '../i18n.js';
import { announcementText, reasonText } from './format.js';
import { readAbout, readWhere } from './inbox.js';
import { systemNotify } from './notify.js';
import { drinkName, pickupPlace, state } from './state.js';
import { addMessage } from './views.js';

export function alertReady(order) {
  const key = `ready:${order.order_id}`;
  if (state.seen.has(key)) return;
  state.seen.add(key);
  const drink = drinkName(order, t('alert.your_drink'));
  attention({
    key,
    title: t('alert.ready_title', { number: order.number }),
    body: t('alert.ready_body', { drink, place: pickupPlace(order) }),
    buzz: [250, 120, 250, 120, 500],
    notes: RISING,
    show: `#ready-banner .pickup[data-number="${order.number}"]`,
  });
}

export function alertEnded(order) {
  const key = `${order.status}:${order.order_id}`;
  if (state.seen.has(key)) return;
  state.seen.add(key);
  const cancelled = order.status === 'cancelled';
  const what = `#${order.number} ${drinkName(order)}`.trim();
  const title = cancelled ? t('alert.cancelled_title', { what }) : t('alert.expired_title', { what });
  const reason = reasonText(order);
  const why = reason ? `${t('alert.reason', { reason })} ` : '';
  const text = `${why}${t('alert.order_else')}`;
  const type = cancelled ? 'ORDER_CANCELLED' : 'ORDER_EXPIRED';
  const box = addMessage(order.status, text, {
    title, orderId: order.order_id, onDismiss: () => readAbout(order.order_id, [type]),
  });
  attention({
    key,
    title,
    body: `${why}${cancelled ? t('status.cancelled') : t('status.expired')}.`,
    buzz: [200, 100, 200],
    notes: FALLING,
    show: box,
  });
}

/**
 * What a guest must not miss, whatever it says (ready, cancelled, expired): one path
 * for all of them. The phone vibrates and chimes, the system shows a notification
 * when the page is not in front, the tab's title flashes, and the card that says it
 * is scrolled into view however far down the guest had gone.
 */
function attention({ key, title, body, buzz: pattern, notes, show }) {
  buzz(pattern);
  chime(notes);
  systemNotify(title, body, key);
  flashTitle(title);
  bringIntoView(show);
}

/**
 * Scroll to the card, after this change is drawn (a pickup card is rendered just after
 * its alert). `card` is an element or a selector; cards sit at the top of the page, so
 * one not drawn (yet) is found by going to the top.
 */
function bringIntoView(card) {
  const behavior = window.matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth';
  requestAnimationFrame(() => {
    const node = typeof card === 'string' ? $(card) : card;
    if (node && node.isConnected && node.getClientRects().length) node.scrollIntoView({ block: 'start', behavior });
    else window.scrollTo({ top: 0, behavior });
  });
}

// Good news rises, bad news falls: the same three notes, the other way round.
const RISING = [784, 1047, 1568];
const FALLING = [1047, 784, 523];

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

/** A short three-note chime (`notes` in Hz), made with WebAudio (no sound file to download). */
function chime(notes = RISING) {
  const ctx = audio.ctx;
  if (!ctx) return;
  const play = () => {
    const t0 = ctx.currentTime + 0.03;
    notes.forEach((freq, i) => {
      const dt = i * 0.16;
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

/** An announcement (`news`: {message, kind}): the host's words as written, the bar's own
 * (`kind`, e.g. the daily last call) in the page's language. */
export function showAnnouncement(news, eventId) {
  const { message } = news;
  if (!message) return;
  const key = eventId !== undefined && eventId !== null ? `ann:${eventId}` : `ann:${message}`;
  if (state.seen.has(key)) return;
  state.seen.add(key);
  const text = announcementText(news);
  addMessage('announcement', text, {
    title: t('inbox.from', { bar: state.bar.name }),
    onDismiss: () => {
      state.acked.add(`ANNOUNCEMENT:${eventId}`);
      readWhere((n) => n.type === 'ANNOUNCEMENT' && n.payload && n.payload.event_id === eventId);
    },
  });
  buzz([120]);
  systemNotify(state.bar.name, text, key);
}

export function alertReminder(order) {
  const key = `remind:${order.order_id}`;
  if (state.seen.has(key)) return;
  state.seen.add(key);
  const what = `#${order.number} ${drinkName(order, t('alert.your_drink'))}`;
  const text = t('alert.reminder', { what, place: pickupPlace(order) });
  const box = addMessage('reminder', text, { title: t('alert.reminder_title'), onDismiss: () => readAbout(order.order_id, ['ORDER_REMINDER']) });
  attention({ key, title: t('inbox.waiting', { what: `#${order.number}` }), body: text, buzz: [250, 120, 250], notes: RISING, show: box });
}
