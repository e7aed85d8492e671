// The compliance badge's URLs (roadmap 1.7), for the badge dialog.

export const badgeStyles = ['flat', 'flat-square', 'for-the-badge'] as const;
export type BadgeStyle = (typeof badgeStyles)[number];

/**
 * badgeUrl is the badge at path (the API's url, /badge/DOMAIN.svg) in a
 * style; flat, the server's default, adds nothing. version, when given,
 * makes a new URL after a change of the setting: the browser keeps a badge
 * for 5 minutes (Cache-Control), and the server ignores the parameter.
 */
export function badgeUrl(path: string, style: BadgeStyle, version?: number): string {
  const q = new URLSearchParams();
  if (style !== 'flat') q.set('style', style);
  if (version) q.set('v', String(version));
  const s = q.toString();
  return path + (s ? '?' + s : '');
}

/**
 * badgeMarkdown is the Markdown embedding the badge from origin, the
 * dashboard's own (location.origin): the address people reach this server
 * at, which the server itself may not know behind a proxy.
 */
export function badgeMarkdown(origin: string, path: string, style: BadgeStyle): string {
  return `![DMARC](${origin.replace(/\/+$/, '')}${badgeUrl(path, style)})`;
}
