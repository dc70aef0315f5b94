import { describe, expect, it } from 'vitest';
import { formatFullTime, formatRelativeTime } from './relative-time.js';

// Local-time constructors keep calendar-day arithmetic independent of the machine's time zone.
const now = new Date(2025, 2, 12, 15, 30, 0);
const at = (...parts: [number, number, number, number?, number?, number?]) =>
  new Date(parts[0], parts[1], parts[2], parts[3] ?? 0, parts[4] ?? 0, parts[5] ?? 0);

describe('formatRelativeTime', () => {
  it('says "just now" for the last 45 seconds and for a clock slightly ahead', () => {
    expect(formatRelativeTime(at(2025, 2, 12, 15, 29, 20), now)).toBe('just now');
    expect(formatRelativeTime(at(2025, 2, 12, 15, 31, 0), now)).toBe('just now');
  });

  it('counts minutes within the hour', () => {
    expect(formatRelativeTime(at(2025, 2, 12, 15, 25), now)).toBe('5 min ago');
    expect(formatRelativeTime(at(2025, 2, 12, 14, 31), now)).toBe('59 min ago');
  });

  it('counts hours earlier the same day', () => {
    expect(formatRelativeTime(at(2025, 2, 12, 12, 10), now)).toBe('3 h ago');
    expect(formatRelativeTime(at(2025, 2, 12, 0, 5), now)).toBe('15 h ago');
  });

  it('says Yesterday for the previous calendar day even when under 24 hours ago', () => {
    expect(formatRelativeTime(at(2025, 2, 11, 23, 50), now)).toBe('Yesterday');
    expect(formatRelativeTime(at(2025, 2, 11, 1, 0), now)).toBe('Yesterday');
  });

  it('names the weekday within the last week, then the date', () => {
    expect(formatRelativeTime(at(2025, 2, 8, 9, 0), now)).toBe('Saturday');
    expect(formatRelativeTime(at(2025, 2, 5, 9, 0), now)).toBe('5 Mar');
    expect(formatRelativeTime(at(2024, 11, 31, 9, 0), now)).toBe('31 Dec 2024');
  });

  it('accepts ISO strings and returns an empty string for an invalid date', () => {
    expect(formatRelativeTime(at(2025, 2, 12, 15, 0).toISOString(), now)).toBe('30 min ago');
    expect(formatRelativeTime('not a date', now)).toBe('');
  });
});

describe('formatFullTime', () => {
  it('prints day, month, year and zero-padded time', () => {
    expect(formatFullTime(at(2025, 0, 3, 9, 5))).toBe('3 Jan 2025, 09:05');
  });
});
