// A small history-API router: the server answers every non-API path with
// index.html, so /reports/12 can be reloaded and shared.

export interface Route {
  /** The page name, e.g. "reports". */
  page: string;
  /** Path parameters after the page name, e.g. ["12"]. */
  params: string[];
  query: URLSearchParams;
}

function parse(loc: Location): Route {
  const parts = loc.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  return { page: parts[0] ?? '', params: parts.slice(1), query: new URLSearchParams(loc.search) };
}

class Router {
  route = $state<Route>(parse(location));

  constructor() {
    addEventListener('popstate', () => (this.route = parse(location)));
  }

  /** go navigates to path (with its query), adding a history entry. */
  go(path: string, replace = false) {
    if (path === location.pathname + location.search) return;
    if (replace) history.replaceState(null, '', path);
    else history.pushState(null, '', path);
    this.route = parse(location);
    if (!replace) scrollTo(0, 0);
  }

  /** setQuery changes query parameters of the current page in place. */
  setQuery(values: Record<string, string | undefined>) {
    const q = new URLSearchParams(location.search);
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined || v === '') q.delete(k);
      else q.set(k, v);
    }
    const s = q.toString();
    this.go(location.pathname + (s ? '?' + s : ''), true);
  }
}

export const router = new Router();

/**
 * link is a Svelte action for <a href="/path">: in-app navigation without a
 * page load, while keeping the href for opening in a new tab.
 */
export function link(node: HTMLAnchorElement) {
  const click = (e: MouseEvent) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const href = node.getAttribute('href');
    if (!href || !href.startsWith('/') || node.target) return;
    e.preventDefault();
    router.go(href);
  };
  node.addEventListener('click', click);
  return { destroy: () => node.removeEventListener('click', click) };
}
