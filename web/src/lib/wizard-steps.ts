// The onboarding wizard's steps (roadmap 2.7): where the user is, moving
// back and forth, skipping and finishing, and whether a first visit is sent
// to the wizard. The outcome is remembered in localStorage under
// pd-onboarding ('done' or 'skipped'); nothing else is stored.

export const STORAGE_KEY = 'pd-onboarding';

export type Onboarding = 'done' | 'skipped';

export interface StepDef {
  id: 'welcome' | 'dns' | 'mailbox' | 'first-report' | 'tour';
  title: string;
  /** A short label for the progress indicator. */
  short: string;
}

export const STEPS: readonly StepDef[] = [
  { id: 'welcome', title: 'Welcome to Parse DMARC', short: 'Welcome' },
  { id: 'dns', title: 'Publish your DMARC record', short: 'DNS record' },
  { id: 'mailbox', title: 'Connect the report mailbox', short: 'Mailbox' },
  { id: 'first-report', title: 'Wait for the first report', short: 'First report' },
  { id: 'tour', title: 'A short tour', short: 'Tour' },
];

/** Storage is the part of localStorage the wizard uses. */
export interface KeyValue {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** readOnboarding is the stored outcome, or undefined (also when storage is blocked). */
export function readOnboarding(storage: KeyValue | undefined): Onboarding | undefined {
  try {
    const v = storage?.getItem(STORAGE_KEY);
    return v === 'done' || v === 'skipped' ? v : undefined;
  } catch {
    return undefined;
  }
}

export function writeOnboarding(storage: KeyValue | undefined, v: Onboarding) {
  try {
    storage?.setItem(STORAGE_KEY, v);
  } catch {
    // Blocked storage: the wizard may show again next time; nothing breaks.
  }
}

/** stepIndex is the index of a step id (as in ?step=), 0 when unknown. */
export function stepIndex(id: string | null | undefined): number {
  const i = STEPS.findIndex((s) => s.id === id);
  return i < 0 ? 0 : i;
}

/**
 * Wizard is the step state. It holds no secrets and stores only the
 * outcome; the step itself lives in the URL (?step=) so a reload stays.
 */
export class Wizard {
  index: number;

  constructor(
    private storage: KeyValue | undefined,
    start = 0,
  ) {
    this.index = Math.min(Math.max(0, start), STEPS.length - 1);
  }

  get step(): StepDef {
    return STEPS[this.index];
  }
  get first(): boolean {
    return this.index === 0;
  }
  get last(): boolean {
    return this.index === STEPS.length - 1;
  }
  /** progress is the share of steps reached, 0..1, for the indicator. */
  get progress(): number {
    return (this.index + 1) / STEPS.length;
  }

  next(): boolean {
    if (this.last) return false;
    this.index++;
    return true;
  }
  back(): boolean {
    if (this.first) return false;
    this.index--;
    return true;
  }
  goTo(i: number): boolean {
    if (i < 0 || i >= STEPS.length || i === this.index) return false;
    this.index = i;
    return true;
  }

  /** skip remembers that the user skipped the setup. */
  skip() {
    writeOnboarding(this.storage, 'skipped');
  }
  /** complete remembers that the user finished the setup. */
  complete() {
    writeOnboarding(this.storage, 'done');
  }

  get outcome(): Onboarding | undefined {
    return readOnboarding(this.storage);
  }
}

/** Pages a first visit is never sent away from: the wizard and what it links to. */
const stay = new Set(['welcome', 'upload', 'dns']);

/**
 * shouldOnboard tells whether a visit to page should go to /welcome: the
 * wizard was neither finished nor skipped, and the store has no domain.
 */
export function shouldOnboard(page: string, onboarding: Onboarding | undefined, domains: number): boolean {
  return onboarding === undefined && domains === 0 && !stay.has(page);
}

/** browserStorage is localStorage, or undefined where the browser blocks it. */
export function browserStorage(): KeyValue | undefined {
  try {
    return globalThis.localStorage ?? undefined;
  } catch {
    return undefined;
  }
}
