/** The address of the sign-in page; `?next=` holds where to go afterwards. */
export const loginPath = '/login';

/** The sign-in address for someone who was at `pathname` + `search` (no `next` for the home page). */
export function loginAddressFor(pathname: string, search: string): string {
  const next = `${pathname}${search}`;
  return next === '/' || pathname === loginPath
    ? loginPath
    : `${loginPath}?next=${encodeURIComponent(next)}`;
}

/**
 * Where to go after signing in: the `next` parameter when it is a path on this site, otherwise `/` — never
 * an absolute or protocol-relative URL, so a crafted link cannot send the user elsewhere (open redirect).
 */
export function nextPathOf(search: string): string {
  const next = new URLSearchParams(search).get('next') ?? '/';
  if (!next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  if (next === loginPath || next.startsWith(`${loginPath}?`)) return '/';
  return next;
}
