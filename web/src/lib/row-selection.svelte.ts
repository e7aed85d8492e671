// rowSelection is the keyboard selection of a table's rows (roadmap 1.5):
// j/k move it, Enter opens the selected row; it starts over at the first
// row whenever the rows change. Rows carry data-row="<index>" so the
// selection can be scrolled into view. Call it during a component's
// initialisation.

import { shortcuts } from './shortcuts.svelte';

export function rowSelection<T>(rows: () => T[], open: (row: T) => void): { readonly index: number } {
  let index = $state(0);
  $effect.pre(() => {
    void rows();
    index = 0;
  });
  $effect(() =>
    shortcuts.useList({
      move(delta) {
        const n = rows().length;
        if (n === 0) return;
        index = Math.max(0, Math.min(n - 1, index + delta));
        document.querySelector(`tr[data-row="${index}"]`)?.scrollIntoView({ block: 'nearest' });
      },
      open() {
        const r = rows()[index];
        if (r !== undefined) open(r);
      },
    }),
  );
  return {
    get index() {
      return index;
    },
  };
}
