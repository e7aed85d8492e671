import { afterEach, describe, expect, it, vi } from 'vitest';
import { copyText } from './clipboard';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('copyText', () => {
  it('uses the Clipboard API in a secure context', async () => {
    const writeText = vi.fn().mockResolvedValue(undefined);
    vi.stubGlobal('navigator', { clipboard: { writeText } });
    vi.stubGlobal('isSecureContext', true);
    expect(await copyText('v=DMARC1')).toBe(true);
    expect(writeText).toHaveBeenCalledWith('v=DMARC1');
  });

  it('falls back to a hidden textarea elsewhere, and says whether the browser copied', async () => {
    vi.stubGlobal('navigator', {});
    let copied = '';
    const exec = vi.fn(() => {
      copied = document.querySelector('textarea')?.value ?? '';
      return true;
    });
    Object.defineProperty(document, 'execCommand', { value: exec, configurable: true });
    expect(await copyText('zone line')).toBe(true);
    expect(copied).toBe('zone line');
    expect(document.querySelector('textarea')).toBeNull();
    exec.mockReturnValue(false);
    expect(await copyText('x')).toBe(false);
  });
});
