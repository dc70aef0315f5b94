import { useState, type ReactElement } from 'react';
import { describeError } from '../api/api-error.js';
import { signOut } from '../api/auth-api.js';
import { loginPath } from '../state/login-path.js';

/**
 * "Sign out" for auth mode `password`: ends the session, then reloads the page at the sign-in form.
 */
export function SignOutButton(): ReactElement {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <button
      type="button"
      className="button button--ghost button--small"
      disabled={busy}
      title={error === null ? 'End this session' : `Signing out failed: ${error}`}
      onClick={() => {
        setBusy(true);
        signOut().then(
          () => window.location.assign(loginPath),
          (failure: unknown) => {
            setBusy(false);
            setError(describeError(failure));
          },
        );
      }}
    >
      {error === null ? 'Sign out' : 'Retry sign out'}
    </button>
  );
}
