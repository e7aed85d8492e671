import { describe, expect, it } from 'vitest';
import { countryName, flag } from './country';

describe('country', () => {
  it.each([
    ['US', 'United States'],
    ['de', 'Germany'],
  ])('names %s', (code, name) => expect(countryName(code)).toBe(name));
  it('flags alpha-2 codes only', () => {
    expect(flag('US')).toBe('🇺🇸');
    expect(flag('USA')).toBe('');
    expect(flag('')).toBe('');
  });
});
