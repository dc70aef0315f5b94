import { useEffect, useRef, useState, type FormEvent, type ReactElement } from 'react';
import { ApiError, describeError } from '../api/api-error.js';
import { signIn, type SignedIn } from '../api/auth-api.js';
import { Icon } from './icons.js';
import '../styles/login.css';

/**
 * The sign-in form of auth mode `password`: username and password, posted to /api/v1/auth/login. A
 * wrong pair and a rate limit are shown inline (the gateway's message, which says when to retry).
 */
export function LoginPage({
  onSignedIn,
  notice,
}: {
  onSignedIn: (signedIn: SignedIn) => void;
  /** Shown above the form, e.g. "Your session has ended". */
  notice?: string;
}): ReactElement {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const usernameInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    document.title = 'Sign in · agent-mesh';
    usernameInput.current?.focus();
  }, []);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    signIn(username, password).then(
      (signedIn) => {
        setPassword('');
        onSignedIn(signedIn);
      },
      (failure: unknown) => {
        setBusy(false);
        setPassword('');
        setError(
          failure instanceof ApiError && failure.status === 400
            ? 'Enter a username and a password.'
            : describeError(failure),
        );
      },
    );
  };

  return (
    <main className="login">
      <form className="login__card" onSubmit={submit} aria-labelledby="login-title">
        <div className="login__brand">
          <span className="brand__mark">
            <Icon name="logo" size={20} />
          </span>
          <span className="brand__name">agent-mesh</span>
        </div>
        <h1 id="login-title" className="login__title">
          Sign in
        </h1>
        {notice !== undefined && error === null && (
          <p className="login__notice" role="status">
            {notice}
          </p>
        )}
        <label className="login__field">
          <span>Username</span>
          <input
            ref={usernameInput}
            name="username"
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            required
            value={username}
            onChange={(event) => setUsername(event.target.value)}
          />
        </label>
        <label className="login__field">
          <span>Password</span>
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
        </label>
        {error !== null && (
          <p className="login__error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="button button--primary login__submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
