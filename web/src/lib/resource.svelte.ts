// resource loads data for a page and reloads it when what the loader
// reads changes (filters, route) or on refresh (r). A newer load aborts
// the one in flight, so a slow old answer never overwrites a new one.
// Call it during a component's initialisation.

import { filters } from './filters.svelte';

export interface Resource<T> {
  readonly data: T | undefined;
  readonly error: Error | undefined;
  readonly loading: boolean;
}

export function resource<T>(load: (signal: AbortSignal) => Promise<T>): Resource<T> {
  let data = $state<T | undefined>(undefined);
  let error = $state<Error | undefined>(undefined);
  let loading = $state(true);
  $effect(() => {
    void filters.version; // reload on refresh
    const ctl = new AbortController();
    loading = true;
    load(ctl.signal).then(
      (d) => {
        if (ctl.signal.aborted) return;
        data = d;
        error = undefined;
        loading = false;
      },
      (e: Error) => {
        if (ctl.signal.aborted) return;
        error = e;
        loading = false;
      },
    );
    return () => ctl.abort();
  });
  return {
    get data() {
      return data;
    },
    get error() {
      return error;
    },
    get loading() {
      return loading;
    },
  };
}
