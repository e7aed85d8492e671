import { afterEach, describe, expect, it, vi } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import CopyButton from './CopyButton.svelte';

let app: Record<string, unknown> | undefined;
function render(props: { text: string; what: string; testid: string }) {
  app = mount(CopyButton, { target: document.body, props });
}
const byTestId = (id: string) => document.querySelector(`[data-testid="${id}"]`) as HTMLElement;
async function click(el: HTMLElement) {
  el.click();
  flushSync();
}

afterEach(() => {
  if (app) unmount(app);
  app = undefined;
  vi.unstubAllGlobals();
});

describe('CopyButton', () => {
  it('copies, shows "Copied ✓", announces it, and keeps its name in step with the visible text', async () => {
    const writeText = vi.fn().mockResolvedValue(undefined);
    vi.stubGlobal('navigator', { clipboard: { writeText } });
    vi.stubGlobal('isSecureContext', true);
    render({ text: 'v=DMARC1; p=none', what: 'record value', testid: 'copy-record' });
    const button = byTestId('copy-record');
    expect(button.getAttribute('aria-label')).toBe('Copy record value');
    expect(button.textContent?.trim()).toBe('Copy');
    await click(button);
    await vi.waitFor(() => expect(button.textContent).toContain('Copied ✓'));
    expect(writeText).toHaveBeenCalledWith('v=DMARC1; p=none');
    expect(button.getAttribute('aria-label')).toBe('Copied record value');
    expect(byTestId('copy-record-feedback').textContent).toBe('record value copied to the clipboard');
  });

  it('says how to copy by hand when the browser refuses', async () => {
    vi.stubGlobal('navigator', {});
    Object.defineProperty(document, 'execCommand', { value: () => false, configurable: true });
    render({ text: 'x', what: 'Markdown', testid: 'badge-copy' });
    await click(byTestId('badge-copy'));
    await vi.waitFor(() => expect(byTestId('badge-copy-feedback').textContent).toMatch(/Could not copy/));
    expect(byTestId('badge-copy').getAttribute('aria-label')).toBe('Copy Markdown');
  });
});
