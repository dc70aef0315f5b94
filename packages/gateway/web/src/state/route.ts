/** The screens the address bar can name. */
export type Route =
  | { name: 'new-chat' }
  | { name: 'chat'; sessionId: string }
  | { name: 'not-found'; pathname: string };

/** Reads a route from a pathname: `/` is a new chat, `/chat/<id>` a conversation; anything else is unknown. */
export function parseRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '');
  if (path === '' || path === '/chat') return { name: 'new-chat' };
  const match = /^\/chat\/([^/]+)$/.exec(path);
  if (match?.[1] !== undefined) {
    try {
      return { name: 'chat', sessionId: decodeURIComponent(match[1]) };
    } catch {
      return { name: 'not-found', pathname };
    }
  }
  return { name: 'not-found', pathname };
}

/** The pathname of a conversation, so a refresh reopens it. */
export function chatPath(sessionId: string): string {
  return `/chat/${encodeURIComponent(sessionId)}`;
}
