/* bar: what every page shares: DOM helpers, server times and a tab's admin token. */

export const $ = (sel) => document.querySelector(sel);

/**
 * An element with text-only children: strings become Text nodes, never HTML (guest
 * names and notes are text everywhere). `props` is a class name, or attributes with
 * two special keys, `class` and `text`. Attributes and children that are null,
 * undefined or false are left out.
 */
export function el(tag, props, ...children) {
  const node = document.createElement(tag);
  if (typeof props === 'string') {
    if (props) node.className = props;
  } else if (props) {
    for (const [key, value] of Object.entries(props)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === 'text') node.textContent = String(value);
      else if (key === 'class') node.className = value;
      else node.setAttribute(key, value === true ? '' : String(value));
    }
  }
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

/** Milliseconds of an ISO time from the server (microseconds cut to what Date parses). */
export function ts(iso) {
  if (!iso) return 0;
  const t = Date.parse(String(iso).replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(t) ? 0 : t;
}

/**
 * An admin token kept for this tab only (sessionStorage): it survives a reload, not
 * the tab, so a shared TV or tablet does not stay signed in for the next person.
 */
export const tabToken = {
  get(key) {
    try {
      return sessionStorage.getItem(key);
    } catch (e) {
      return null;
    }
  },
  set(key, token) {
    try {
      if (token) sessionStorage.setItem(key, token);
      else sessionStorage.removeItem(key);
    } catch (e) {
      /* storage refused: the token lives in memory only */
    }
  },
};
