import { useCallback, useEffect, useState, type ReactElement, type ReactNode } from 'react';
import { ApiError, describeError } from '../api/api-error.js';
import { fetchSignedIn, unauthenticatedEvent } from '../api/auth-api.js';
import { loginAddressFor, loginPath, nextPathOf } from '../state/login-path.js';
import { EmptyState } from './empty-state.js';
import { LoginPage } from './login-page.js';

type GateState =
  | { phase: 'checking' }
  | { phase: 'signed-in' }
  | { phase: 'login'; notice?: string }
  | { phase: 'refused'; message: string }
  | { phase: 'failed'; message: string };

/**
 * Renders the app only for a signed-in browser: it asks GET /api/v1/auth/me first and again
 * whenever an API call answers 401. In auth mode `password` a 401 moves the address to
 * /login?next=<where you were> and shows the sign-in form, then returns there; other modes show the
 * gateway's explanation instead.
 */
export function AuthGate({ children }: { children: ReactNode }): ReactElement {
  const [state, setState] = useState<GateState>({ phase: 'checking' });

  const check = useCallback((ended: boolean) => {
    fetchSignedIn().then(
      () => {
        leaveLoginPath();
        setState({ phase: 'signed-in' });
      },
      (error: unknown) => {
        if (error instanceof ApiError && error.status === 401) {
          if (error.details.authMode === 'password') {
            goToLoginPath();
            setState(
              ended
                ? { phase: 'login', notice: 'Your session has ended. Sign in again.' }
                : { phase: 'login' },
            );
          } else {
            setState({ phase: 'refused', message: error.message });
          }
          return;
        }
        setState({ phase: 'failed', message: describeError(error) });
      },
    );
  }, []);

  useEffect(() => check(false), [check]);

  useEffect(() => {
    const onUnauthenticated = () => check(true);
    window.addEventListener(unauthenticatedEvent, onUnauthenticated);
    return () => window.removeEventListener(unauthenticatedEvent, onUnauthenticated);
  }, [check]);

  switch (state.phase) {
    case 'signed-in':
      return <>{children}</>;
    case 'login':
      return (
        <LoginPage
          {...(state.notice === undefined ? {} : { notice: state.notice })}
          onSignedIn={() => {
            leaveLoginPath();
            setState({ phase: 'signed-in' });
          }}
        />
      );
    case 'refused':
      return (
        <div className="auth-screen">
          <EmptyState icon="alert" title="You are not signed in">
            {state.message}
          </EmptyState>
        </div>
      );
    case 'failed':
      return (
        <div className="auth-screen">
          <EmptyState
            icon="alert"
            title="Cannot reach the gateway"
            action={
              <button type="button" className="button button--primary" onClick={() => check(false)}>
                Try again
              </button>
            }
          >
            {state.message}
          </EmptyState>
        </div>
      );
    case 'checking':
      return <div className="auth-screen" aria-busy="true" />;
  }
}

/**
 * Wraps a client so that any call rejected with a 401 raises the page's unauthenticated event; the
 * caller still gets the rejection.
 */
export function watchUnauthenticated<T extends object>(client: T): T {
  return new Proxy(client, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result: unknown = (value as (...parameters: unknown[]) => unknown).apply(
          target,
          args,
        );
        if (result instanceof Promise) {
          result.catch((error: unknown) => {
            if (error instanceof ApiError && error.status === 401) {
              window.dispatchEvent(new Event(unauthenticatedEvent));
            }
          });
        }
        return result;
      };
    },
  });
}

function goToLoginPath(): void {
  const { pathname, search } = window.location;
  if (pathname !== loginPath)
    window.history.replaceState(null, '', loginAddressFor(pathname, search));
}

function leaveLoginPath(): void {
  if (window.location.pathname !== loginPath) return;
  window.history.replaceState(null, '', nextPathOf(window.location.search));
}
