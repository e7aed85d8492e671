// Keyboard shortcuts (roadmap 1.5), by native key events: no library.
// They never fire while the user types in a field, never take a key with
// Ctrl/Alt/Meta except Ctrl/Cmd+K, and "g x" sequences expire after 1.5 s.

import { router } from './router.svelte';
import { filters } from './filters.svelte';

export interface Shortcut {
  keys: string[]; // shown as <kbd> groups, e.g. ["g", "h"]
  description: string;
  group: 'Global' | 'Navigation' | 'Lists';
}

export const shortcutList: Shortcut[] = [
  { keys: ['r'], description: 'Refresh data', group: 'Global' },
  { keys: ['/'], description: 'Focus search / filter', group: 'Global' },
  { keys: ['Ctrl', 'K'], description: 'Focus search (⌘K on a Mac)', group: 'Global' },
  { keys: ['?'], description: 'Show this help', group: 'Global' },
  { keys: ['Esc'], description: 'Close a dialog, leave a field', group: 'Global' },
  { keys: ['g', 'h'], description: 'Go to the overview', group: 'Navigation' },
  { keys: ['g', 'a'], description: 'Go to alerts', group: 'Navigation' },
  { keys: ['g', 'r'], description: 'Go to reports', group: 'Navigation' },
  { keys: ['g', 's'], description: 'Go to sources', group: 'Navigation' },
  { keys: ['g', 't'], description: 'Go to trends', group: 'Navigation' },
  { keys: ['g', 'l'], description: 'Go to SMTP TLS reports', group: 'Navigation' },
  { keys: ['g', 'f'], description: 'Go to failure reports', group: 'Navigation' },
  { keys: ['g', 'p'], description: 'Go to the policy advisor', group: 'Navigation' },
  { keys: ['g', 'm'], description: 'Go to the map', group: 'Navigation' },
  { keys: ['g', 'd'], description: 'Go to DNS tools', group: 'Navigation' },
  { keys: ['g', 'n'], description: 'Go to notifications: channels and alert rules', group: 'Navigation' },
  { keys: ['g', 'e'], description: 'Go to scheduled reports', group: 'Navigation' },
  { keys: ['g', 'u'], description: 'Go to upload', group: 'Navigation' },
  { keys: ['j'], description: 'Next row', group: 'Lists' },
  { keys: ['k'], description: 'Previous row', group: 'Lists' },
  { keys: ['Enter'], description: 'Open the selected row', group: 'Lists' },
];

const goTo: Record<string, string> = { h: '/', a: '/alerts', n: '/notifications', r: '/reports', s: '/sources', t: '/trends', l: '/tls', f: '/forensic', p: '/policy', m: '/map', d: '/dns', e: '/schedules', u: '/upload' };

/** ListNav is what a page with a keyboard-navigable list provides. */
export interface ListNav {
  move(delta: number): void;
  open(): void;
}

/** typing reports whether the event comes from a place that takes text. */
export function typing(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  if (!t || !t.tagName) return false;
  if (t.isContentEditable) return true;
  if (t.tagName === 'TEXTAREA' || t.tagName === 'SELECT') return true;
  if (t.tagName === 'INPUT') {
    const type = (t as HTMLInputElement).type;
    return !['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file'].includes(type);
  }
  return false;
}

class Shortcuts {
  helpOpen = $state(false);
  private pendingG = 0;
  private lists: ListNav[] = [];
  /** Closers of open dialogs, the newest last; Esc closes the newest. */
  private closers: (() => void)[] = [];

  /** useList makes nav receive j/k/Enter until the returned function is called. */
  useList(nav: ListNav): () => void {
    this.lists.push(nav);
    return () => (this.lists = this.lists.filter((l) => l !== nav));
  }

  /** onEscape registers a dialog's closer until the returned function is called. */
  onEscape(close: () => void): () => void {
    this.closers.push(close);
    return () => (this.closers = this.closers.filter((c) => c !== close));
  }

  focusSearch() {
    const el = document.querySelector<HTMLInputElement>('[data-search]');
    el?.focus();
    el?.select();
  }

  handle = (e: KeyboardEvent) => {
    if (e.isComposing) return;
    if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'k') {
      e.preventDefault();
      this.focusSearch();
      return;
    }
    if (e.key === 'Escape') {
      const close = this.closers.at(-1);
      if (close) {
        e.preventDefault();
        close();
      } else if (typing(e) || document.activeElement !== document.body) {
        (document.activeElement as HTMLElement | null)?.blur();
      }
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e)) return;
    if (this.closers.length > 0 && e.key !== '?') return;
    const now = Date.now();
    if (this.pendingG && now - this.pendingG < 1500) {
      this.pendingG = 0;
      const to = goTo[e.key];
      if (to) {
        e.preventDefault();
        router.go(to);
      }
      return;
    }
    this.pendingG = 0;
    const list = this.lists.at(-1);
    switch (e.key) {
      case 'g':
        this.pendingG = now;
        break;
      case '?':
        e.preventDefault();
        this.helpOpen = !this.helpOpen;
        break;
      case '/':
        e.preventDefault();
        this.focusSearch();
        break;
      case 'r':
        e.preventDefault();
        filters.refresh();
        break;
      case 'j':
        if (list) {
          e.preventDefault();
          list.move(1);
        }
        break;
      case 'k':
        if (list) {
          e.preventDefault();
          list.move(-1);
        }
        break;
      case 'Enter':
        if (list && (e.target === document.body || (e.target as HTMLElement).tagName === 'TR')) {
          e.preventDefault();
          list.open();
        }
        break;
    }
  };
}

export const shortcuts = new Shortcuts();
