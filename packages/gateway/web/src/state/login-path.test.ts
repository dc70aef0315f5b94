import { describe, expect, it } from 'vitest';
import { loginAddressFor, nextPathOf } from './login-path.js';

describe('login path', () => {
  it('remembers where the user was, and comes back there', () => {
    const address = loginAddressFor('/chat/web-session-1', '?x=1');
    expect(address).toBe('/login?next=%2Fchat%2Fweb-session-1%3Fx%3D1');
    expect(nextPathOf(address.slice('/login'.length))).toBe('/chat/web-session-1?x=1');
    expect(loginAddressFor('/', '')).toBe('/login');
    expect(loginAddressFor('/login', '?next=%2Fchat')).toBe('/login');
    expect(nextPathOf('')).toBe('/');
  });

  it('never leaves the site after sign-in', () => {
    for (const next of [
      'https://evil.example',
      '//evil.example',
      '/\\evil.example',
      'javascript:alert(1)',
      '/login',
    ]) {
      expect(nextPathOf(`?next=${encodeURIComponent(next)}`), next).toBe('/');
    }
  });
});
