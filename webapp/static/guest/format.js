/* bar, guest page: text for people: names, prices, times, a request id. */

import { ts } from '../common.js';
import { language, t } from '../i18n.js';

/** A random UUID; crypto.randomUUID needs HTTPS, party Wi-Fi is often plain HTTP. */
export function uuid4() {
  if (window.isSecureContext && crypto.randomUUID) return crypto.randomUUID();
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function humanize(name) {
  const s = String(name).replace(/[_-]+/g, ' ').trim();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** A price in the bar's currency (`bar.currency`, e.g. EUR), written the page language's way. */
export function formatPrice(price, currency = '') {
  if (typeof price !== 'number' || !Number.isFinite(price)) return '';
  const digits = { minimumFractionDigits: Number.isInteger(price) ? 0 : 2, maximumFractionDigits: 2 };
  if (currency) {
    try {
      return new Intl.NumberFormat(language, { style: 'currency', currency, ...digits }).format(price);
    } catch (e) {
      // An unknown code: the number alone, then the code.
      return `${price.toLocaleString(language, digits)} ${currency}`;
    }
  }
  return price.toLocaleString(language, digits);
}

export function formatTime(iso) {
  const t = ts(iso);
  if (!t) return '';
  return new Date(t).toLocaleTimeString(language, { hour: '2-digit', minute: '2-digit' });
}

/** The page's own words for a message the bar sent as a template (`code`, a key of the
 * catalogs under `prefix`), else `text` as sent: what a barista or the host wrote. */
function inOwnWords(prefix, code, text) {
  if (typeof code === 'string' && code) {
    const key = `${prefix}.${code}`;
    const said = t(key);
    if (said !== key) return said;
  }
  return text ? String(text) : '';
}

/** Why an order ended, in the page's language when it is one of the bar's templates
 * (`cancel_reason_code`, bar/reasons.py). */
export function reasonText(order) {
  return inOwnWords('reason', order.cancel_reason_code, order.cancel_reason);
}

/** An announcement, in the page's language when it is the bar's own (`kind`). */
export function announcementText(news) {
  return inOwnWords('announcement', news.kind, news.message);
}

export function firstName(name) {
  const parts = String(name || '').trim().split(/\s+/);
  return parts[0] || '';
}
