import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { MeshError } from '@agent-mesh/shared';

/** scrypt cost parameters and the salt and derived key of one stored password. */
export interface PasswordHash {
  /** CPU/memory cost, a power of two. */
  N: number;
  /** Block size. */
  r: number;
  /** Parallelisation. */
  p: number;
  salt: Buffer;
  key: Buffer;
}

/** Cost parameters for new hashes. */
export interface PasswordHashOptions {
  N?: number;
  r?: number;
  p?: number;
}

/**
 * The cost of new hashes: N=2^15, r=8, p=3, one of OWASP's recommended scrypt settings (32 MiB and
 * about 0.2–1 s of one core per check, off the event loop).
 */
export const defaultPasswordHashCost = { N: 32_768, r: 8, p: 3 } as const;

/** The written form of a hash: `scrypt$N$r$p$salt$key`, salt and key in standard base64. */
export const passwordHashFormat = 'scrypt$N$r$p$salt$hash';

const saltBytes = 16;
const keyBytes = 32;
/** Refuse hashes that would need more memory than this per check (128·N·r bytes). */
const maxMemoryBytes = 256 * 1024 * 1024;
const base64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Hashes a password with scrypt and a random 16-byte salt into `scrypt$N$r$p$salt$hash`, the string
 * `gateway.auth.users[].password_hash` holds (`agent-mesh auth hash-password` prints it).
 */
export async function hashPassword(
  password: string,
  options: PasswordHashOptions = {},
): Promise<string> {
  const cost = { ...defaultPasswordHashCost, ...options };
  checkCost(cost, 'the hash options');
  const salt = randomBytes(saltBytes);
  const key = await derive(password, salt, keyBytes, cost);
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64'), key.toString('base64')].join(
    '$',
  );
}

/**
 * Reads a stored hash string; anything else is CONFIG_INVALID naming `setting` (never echoing the
 * value, which may be a password pasted into the wrong key).
 */
export function parsePasswordHash(text: string, setting: string): PasswordHash {
  const fail = (problem: string): never => {
    throw new MeshError(
      'CONFIG_INVALID',
      `${setting} is not a usable password hash: ${problem}. Create one with \`agent-mesh auth hash-password\` (format ${passwordHashFormat}).`,
      { setting },
    );
  };
  const parts = text.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') fail(`expected ${passwordHashFormat}`);
  const [, n = '', r = '', p = '', salt = '', key = ''] = parts;
  const cost = { N: Number(n), r: Number(r), p: Number(p) };
  try {
    checkCost(cost, setting);
  } catch (error) {
    fail((error as Error).message);
  }
  if (!base64.test(salt) || !base64.test(key)) fail('the salt and hash must be base64');
  const saltBuffer = Buffer.from(salt, 'base64');
  const keyBuffer = Buffer.from(key, 'base64');
  if (saltBuffer.length < 8) fail('the salt is shorter than 8 bytes');
  if (keyBuffer.length < 16) fail('the hash is shorter than 16 bytes');
  return { ...cost, salt: saltBuffer, key: keyBuffer };
}

/**
 * Tells whether `password` matches a parsed hash; the comparison takes the same time wherever it
 * differs.
 */
export async function verifyPassword(password: string, hash: PasswordHash): Promise<boolean> {
  const key = await derive(password, hash.salt, hash.key.length, hash);
  return timingSafeEqual(key, hash.key);
}

function checkCost(cost: { N: number; r: number; p: number }, where: string): void {
  const { N, r, p } = cost;
  if (!Number.isSafeInteger(N) || N < 2 || (N & (N - 1)) !== 0) {
    throw new MeshError('CONFIG_INVALID', `N must be a power of two of at least 2 in ${where}`);
  }
  if (!Number.isSafeInteger(r) || r < 1 || !Number.isSafeInteger(p) || p < 1 || p > 64) {
    throw new MeshError('CONFIG_INVALID', `r must be >= 1 and p between 1 and 64 in ${where}`);
  }
  if (128 * N * r > maxMemoryBytes) {
    throw new MeshError(
      'CONFIG_INVALID',
      `N=${N} and r=${r} would need ${Math.round((128 * N * r) / 1048576)} MiB per check (at most 256) in ${where}`,
    );
  }
}

function derive(
  password: string,
  salt: Buffer,
  length: number,
  cost: { N: number; r: number; p: number },
): Promise<Buffer> {
  const options: ScryptOptions = {
    N: cost.N,
    r: cost.r,
    p: cost.p,
    maxmem: 2 * 128 * cost.N * cost.r + 1024 * 1024,
  };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, length, options, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}
