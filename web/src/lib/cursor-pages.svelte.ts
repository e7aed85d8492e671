// cursorPages walks a list the API serves a page at a time, each page
// opened by the cursor the page before it answered (the first page has
// none). It goes back to the first page whenever what `reset` reads
// changes. Call it during a component's initialisation; Pager shows it.

export interface CursorPages<C> {
  /** The page shown, from 0. */
  readonly page: number;
  /** The cursor that opens the page shown; undefined on the first. */
  readonly cursor: C | undefined;
  /** Goes on to the page that `next` opens; none (the last page): stays. */
  next(next: C | undefined | null): void;
  /** Goes back a page. */
  previous(): void;
}

export function cursorPages<C>(reset: () => unknown): CursorPages<C> {
  // cursors[i] is the cursor of page i.
  let cursors = $state<(C | undefined)[]>([undefined]);
  let page = $state(0);
  $effect.pre(() => {
    reset();
    cursors = [undefined];
    page = 0;
  });
  return {
    get page() {
      return page;
    },
    get cursor() {
      return cursors[page];
    },
    next(next) {
      if (!next) return;
      cursors = [...cursors.slice(0, page + 1), next];
      page++;
    },
    previous() {
      if (page > 0) page--;
    },
  };
}
