/** badgeText is a nav badge's count: "" for none, "99+" beyond 99. */
export function badgeText(n: number): string {
  return n <= 0 ? '' : n > 99 ? '99+' : String(n);
}
