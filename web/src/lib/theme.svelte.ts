// Theme (roadmap 1.1): follows prefers-color-scheme until the user picks
// light or dark; the pick is remembered in localStorage under pd-theme.
// "system" forgets it.

export type ThemeChoice = 'system' | 'light' | 'dark';

const key = 'pd-theme';

function stored(): ThemeChoice {
  try {
    const v = localStorage.getItem(key);
    if (v === 'light' || v === 'dark') return v;
  } catch {
    // Storage can be blocked (private mode): follow the system.
  }
  return 'system';
}

function systemDark(): boolean {
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches;
}

class Theme {
  choice = $state<ThemeChoice>(stored());
  system = $state(systemDark());
  /** The theme in effect. */
  current = $derived<'light' | 'dark'>(this.choice === 'system' ? (this.system ? 'dark' : 'light') : this.choice);

  constructor() {
    if (typeof matchMedia === 'function') {
      matchMedia('(prefers-color-scheme: dark)').addEventListener('change', (e) => (this.system = e.matches));
    }
    $effect.root(() => {
      $effect(() => {
        document.documentElement.dataset.theme = this.current;
      });
    });
  }

  set(c: ThemeChoice) {
    this.choice = c;
    try {
      if (c === 'system') localStorage.removeItem(key);
      else localStorage.setItem(key, c);
    } catch {
      // Not remembered, still applied.
    }
  }

  /** toggle switches to the other theme and remembers it. */
  toggle() {
    this.set(this.current === 'dark' ? 'light' : 'dark');
  }
}

export const theme = new Theme();
