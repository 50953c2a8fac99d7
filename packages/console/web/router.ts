import { useEffect, useState } from 'preact/hooks';

/** History-API routing under /console/: links are real hrefs, so keyboard and middle-click work. */
export function useLocation(): URL {
  const [href, setHref] = useState(location.href);
  useEffect(() => {
    const update = () => setHref(location.href);
    addEventListener('popstate', update);
    addEventListener('mcpgate:navigate', update);
    return () => {
      removeEventListener('popstate', update);
      removeEventListener('mcpgate:navigate', update);
    };
  }, []);
  return new URL(href);
}

export function navigate(path: string): void {
  history.pushState(null, '', path);
  dispatchEvent(new Event('mcpgate:navigate'));
}

/** Intercepts same-app link clicks (plain left click only) to navigate without a reload. */
export function onLinkClick(e: MouseEvent): void {
  const a = (e.target as Element | null)?.closest('a');
  if (!a || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const url = new URL(a.href, location.href);
  if (
    url.origin !== location.origin ||
    !url.pathname.startsWith('/console/') ||
    url.pathname.startsWith('/console/auth/')
  )
    return;
  e.preventDefault();
  navigate(url.pathname + url.search);
}
