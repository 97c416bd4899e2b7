/* bar, guest page: the two tabs, the menu and "My orders". */

import { $ } from '../common.js';
import { offerNotifications } from './notify.js';
import { state } from './state.js';

export function showTab(name) {
  state.tab = name;
  for (const tab of ['menu', 'orders']) {
    const selected = tab === name;
    const button = $(`#tab-${tab}`);
    button.setAttribute('aria-selected', String(selected));
    button.tabIndex = selected ? 0 : -1;
    $(`#${tab}-panel`).hidden = !selected;
  }
  if (name === 'orders') offerNotificationsIfOrdered();
}

function offerNotificationsIfOrdered() {
  if (state.orders.size) offerNotifications();
}
