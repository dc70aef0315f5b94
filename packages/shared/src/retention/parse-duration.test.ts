import { describe, expect, it } from 'vitest';
import { MeshError } from '../errors/mesh-error.js';
import { formatDuration, parseDuration } from './parse-duration.js';

describe('parseDuration', () => {
  it('reads whole numbers with a unit, and sums of them', () => {
    expect(parseDuration('30d')).toBe(30 * 86_400_000);
    expect(parseDuration('12h')).toBe(12 * 3_600_000);
    expect(parseDuration('90m')).toBe(90 * 60_000);
    expect(parseDuration('45s')).toBe(45_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('2w')).toBe(14 * 86_400_000);
    expect(parseDuration(' 1d12h ')).toBe(36 * 3_600_000);
    expect(parseDuration('1h30m15s')).toBe(5_415_000);
  });

  it.each(['', '30', 'd', '30x', '1.5h', '-1d', '0d', '0h0m', '30 d', 'thirty days', '1d 2h'])(
    'refuses %j with a message naming the option and showing examples',
    (text) => {
      const error = (() => {
        try {
          parseDuration(text, '--older-than');
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(MeshError);
      expect(error).toMatchObject({ code: 'REQUEST_INVALID', details: { field: '--older-than' } });
      expect((error as Error).message).toBe(
        `--older-than "${text}" is not a duration: use a positive whole number and a unit, e.g. 30d, 12h or 90m (units: ms, s, m, h, d, w).`,
      );
    },
  );
});

describe('formatDuration', () => {
  it('uses the largest unit that divides the duration', () => {
    expect(formatDuration(30 * 86_400_000)).toBe('30d');
    expect(formatDuration(36 * 3_600_000)).toBe('36h');
    expect(formatDuration(90 * 60_000)).toBe('90m');
    expect(formatDuration(1500)).toBe('1500ms');
    expect(formatDuration(parseDuration('1h30m'))).toBe('90m');
  });
});
