import { describe, expect, it } from 'vitest';
import { hashPassword, parsePasswordHash, verifyPassword } from './password-hash.js';

const cheap = { N: 1024, r: 8, p: 1 };

describe('password hashes', () => {
  it('writes scrypt$N$r$p$salt$hash and verifies only the right password', async () => {
    const text = await hashPassword('correct horse', cheap);
    expect(text).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    const hash = parsePasswordHash(text, 'test');
    expect(await verifyPassword('correct horse', hash)).toBe(true);
    expect(await verifyPassword('correct hors', hash)).toBe(false);
    expect(await verifyPassword('Correct horse', hash)).toBe(false);
  });

  it('salts every hash, and uses the default cost when none is given', async () => {
    const [first, second] = await Promise.all([
      hashPassword('same', cheap),
      hashPassword('same', cheap),
    ]);
    expect(first).not.toBe(second);
    expect(await hashPassword('x')).toMatch(/^scrypt\$32768\$8\$3\$/);
  });

  it('treats composed and decomposed accents as the same password', async () => {
    const hash = parsePasswordHash(await hashPassword('caf\u00e9', cheap), 'test');
    expect(await verifyPassword('cafe\u0301', hash)).toBe(true);
  });

  it('refuses malformed hashes naming the setting, never echoing the value', () => {
    const setting = 'gateway.auth.users[0].password_hash';
    for (const bad of [
      'hunter2',
      'scrypt$1000$8$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==',
      'scrypt$1048576$8$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==',
      'scrypt$1024$8$1$c2FsdA==$aGFzaGhhc2hoYXNoaGFzaA==',
      'scrypt$1024$8$1$c2FsdHNhbHQ=$aGFzaA==',
      'argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA',
    ]) {
      let message = '';
      try {
        parsePasswordHash(bad, setting);
      } catch (error) {
        message = (error as Error).message;
        expect((error as { code?: string }).code).toBe('CONFIG_INVALID');
      }
      expect(message).toContain(`${setting} is not a usable password hash`);
      expect(message).toContain('agent-mesh auth hash-password');
      expect(message).not.toContain(bad);
    }
  });
});
