import { describe, expect, it } from 'vitest';
import { parseUtcTimestamp } from './sql-driver.js';

describe('parseUtcTimestamp', () => {
  it.each([
    ['2026-03-04 23:06:07.089', '2026-03-04T23:06:07.089Z'], // MySQL DATETIME(3)
    ['2026-03-04 23:06:07.08', '2026-03-04T23:06:07.080Z'], // PostgreSQL drops trailing zeros
    ['2026-03-04 23:06:07', '2026-03-04T23:06:07.000Z'],
    ['2026-03-04 23:06:07.089123', '2026-03-04T23:06:07.089Z'], // microseconds
    ['2026-03-04T23:06:07.089+00:00', '2026-03-04T23:06:07.089Z'], // SQLite, as Prisma stores it
    ['2026-03-04T23:06:07.089Z', '2026-03-04T23:06:07.089Z'],
    ['2026-12-31T23:59:59.999Z', '2026-12-31T23:59:59.999Z'],
  ])('reads %s as UTC', (text, iso) => {
    expect(parseUtcTimestamp(text).toISOString()).toBe(iso);
  });

  it('leaves other offsets and shapes to Date, instead of misreading them as UTC', () => {
    expect(parseUtcTimestamp('2026-03-04T23:06:07.089+02:00').toISOString()).toBe(
      '2026-03-04T21:06:07.089Z',
    );
    expect(parseUtcTimestamp('2026-03-04T23:06:07-05:00').toISOString()).toBe(
      '2026-03-05T04:06:07.000Z',
    );
    expect(Number.isNaN(parseUtcTimestamp('not a time at all').getTime())).toBe(true);
  });
});
