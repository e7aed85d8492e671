import { describe, expect, it } from 'vitest';
import { badgeMarkdown, badgeUrl } from './badge';

describe('badgeUrl', () => {
  it.each([
    ['flat', undefined, '/badge/example.com.svg'],
    ['flat-square', undefined, '/badge/example.com.svg?style=flat-square'],
    ['for-the-badge', 3, '/badge/example.com.svg?style=for-the-badge&v=3'],
    ['flat', 2, '/badge/example.com.svg?v=2'],
    ['flat', 0, '/badge/example.com.svg'],
  ] as const)('%s, version %s', (style, v, want) => {
    expect(badgeUrl('/badge/example.com.svg', style, v)).toBe(want);
  });
});

describe('badgeMarkdown', () => {
  it('embeds the absolute URL with the style', () => {
    expect(badgeMarkdown('https://dmarc.example.org', '/badge/example.com.svg', 'flat')).toBe(
      '![DMARC](https://dmarc.example.org/badge/example.com.svg)',
    );
    expect(badgeMarkdown('https://dmarc.example.org/', '/badge/example.com.svg', 'flat-square')).toBe(
      '![DMARC](https://dmarc.example.org/badge/example.com.svg?style=flat-square)',
    );
  });
});
