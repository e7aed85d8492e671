// Country display helpers: names from the browser's own Intl data (no
// table to ship), flags from regional indicator symbols.

let names: Intl.DisplayNames | undefined;

/** countryName is the English name of an ISO 3166-1 alpha-2 code. */
export function countryName(code: string): string {
  try {
    names ??= new Intl.DisplayNames(['en'], { type: 'region' });
    return names.of(code.toUpperCase()) ?? code;
  } catch {
    return code;
  }
}

/** flag is the emoji flag of an alpha-2 code, "" for anything else. */
export function flag(code: string): string {
  if (!/^[A-Za-z]{2}$/.test(code)) return '';
  const base = 0x1f1e6 - 65;
  const up = code.toUpperCase();
  return String.fromCodePoint(base + up.charCodeAt(0), base + up.charCodeAt(1));
}
