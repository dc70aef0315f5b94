import { describe, expect, it } from 'vitest';
import { hashPassword } from './password-hash.js';
import { PasswordUsers } from './password-users.js';

const cheap = { N: 1024, r: 8, p: 1 };

describe('PasswordUsers', () => {
  it('signs out a session when its user is removed or their password changes', async () => {
    const first = await hashPassword('first password', cheap);
    const users = new PasswordUsers([
      { username: 'alice', password_hash: first },
      { username: 'bob', password_hash: await hashPassword('bob password', cheap) },
    ]);
    const signedIn = await users.verify('alice', 'first password');
    expect(signedIn).toMatchObject({ username: 'alice' });
    expect(users.userOfSession({ ...signedIn })).toEqual({ id: 'user:alice', name: 'alice' });
    expect(users.userOfSession({ username: 'alice' })).toBeNull();
    expect(users.userOfSession({ username: 'bob', credential: signedIn?.credential })).toBeNull();

    const changed = new PasswordUsers([
      { username: 'alice', password_hash: await hashPassword('second password', cheap) },
    ]);
    expect(changed.userOfSession({ ...signedIn })).toBeNull();
    const removed = new PasswordUsers([
      { username: 'bob', password_hash: await hashPassword('bob password', cheap) },
    ]);
    expect(removed.userOfSession({ ...signedIn })).toBeNull();
    expect(
      new PasswordUsers([{ username: 'alice', password_hash: first }]).userOfSession({
        ...signedIn,
      }),
    ).toEqual({ id: 'user:alice', name: 'alice' });
  });

  it('refuses a wrong password and an unknown user alike', async () => {
    const users = new PasswordUsers([
      { username: 'alice', password_hash: await hashPassword('right', cheap) },
    ]);
    expect(await users.verify('alice', 'wrong')).toBeNull();
    expect(await users.verify('mallory', 'right')).toBeNull();
    expect(await users.verify('Alice', 'right')).toBeNull();
  });

  it('stops the start on a bad hash, naming the user', () => {
    expect(() => new PasswordUsers([{ username: 'alice', password_hash: 'plain text' }])).toThrow(
      'gateway.auth.users[0].password_hash (user alice) is not a usable password hash',
    );
  });
});
