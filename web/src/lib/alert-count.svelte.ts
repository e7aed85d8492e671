// The count of open alerts for the nav badge: read at start, on refresh
// (r), every minute, and after the Alerts page changes an alert. A server
// without the alert engine (501) shows no badge and is not asked again.

import { alertsApi, ApiError } from './api';
import { filters } from './filters.svelte';
import { badgeText } from './badge-text';

/** At most this many are counted; more shows as "99+". */
const cap = 100;

class AlertCount {
  /** Open alerts, up to cap. */
  open = $state(0);
  /** The badge: "" for none, "99+" beyond 99. */
  text = $derived(badgeText(this.open));
  private off = false;
  private seq = 0;

  constructor() {
    $effect.root(() => {
      $effect(() => {
        void filters.version;
        this.refresh();
      });
    });
    setInterval(() => this.refresh(), 60_000);
  }

  async refresh() {
    if (this.off) return;
    const n = ++this.seq; // a newer answer wins
    try {
      const page = await alertsApi.list({ state: 'open', limit: cap });
      if (n === this.seq) this.open = page.next_cursor ? cap : page.alerts.length;
    } catch (e) {
      if (e instanceof ApiError && (e.status === 501 || e.status === 404)) this.off = true;
    }
  }
}

export const alertCount = new AlertCount();
