import { describe, expect, it } from 'vitest';
import { flushSync } from 'svelte';
import { cursorPages, type CursorPages } from './cursor-pages.svelte';

describe('cursorPages', () => {
  it('goes on by the cursor each page answers, back, and starts over when the filter changes', () => {
    let filter = $state('a');
    let pages!: CursorPages<number>;
    const stop = $effect.root(() => {
      pages = cursorPages<number>(() => filter);
    });
    flushSync();
    expect([pages.page, pages.cursor]).toEqual([0, undefined]);

    pages.next(40);
    expect([pages.page, pages.cursor]).toEqual([1, 40]);
    pages.next(20);
    expect([pages.page, pages.cursor]).toEqual([2, 20]);

    // The last page answers no cursor (0, null or undefined): it stays.
    pages.next(0);
    pages.next(undefined);
    expect(pages.page).toBe(2);

    pages.previous();
    expect([pages.page, pages.cursor]).toEqual([1, 40]);
    // Going on from an earlier page forgets the pages after it.
    pages.next(30);
    expect([pages.page, pages.cursor]).toEqual([2, 30]);
    pages.previous();
    pages.previous();
    pages.previous();
    expect([pages.page, pages.cursor]).toEqual([0, undefined]);

    pages.next(40);
    filter = 'b';
    flushSync();
    expect([pages.page, pages.cursor]).toEqual([0, undefined]);
    stop();
  });
});
