import { useCallback, useEffect, useState } from 'react';
import { parseRoute, type Route } from './route.js';

/** The current route and a navigate function using the History API; back and forward buttons work. */
export function useRoute(): {
  route: Route;
  navigate: (path: string, options?: { replace?: boolean }) => void;
} {
  const [route, setRoute] = useState<Route>(() => parseRoute(window.location.pathname));

  useEffect(() => {
    const onPopState = () => setRoute(parseRoute(window.location.pathname));
    window.addEventListener('popstate', onPopState);
    return () => window.removeEventListener('popstate', onPopState);
  }, []);

  const navigate = useCallback((path: string, options: { replace?: boolean } = {}) => {
    if (path !== window.location.pathname) {
      if (options.replace === true) window.history.replaceState(null, '', path);
      else window.history.pushState(null, '', path);
    }
    setRoute(parseRoute(path));
  }, []);

  return { route, navigate };
}
