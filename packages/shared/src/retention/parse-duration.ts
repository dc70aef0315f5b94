import { MeshError } from '../errors/mesh-error.js';

/** Milliseconds per duration unit accepted by parseDuration. */
const unitMs = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
} as const;

/** The units a duration may use, for messages. */
export const durationUnits = Object.keys(unitMs) as readonly (keyof typeof unitMs)[];

/**
 * Parses a duration such as `30d`, `12h`, `90m`, `45s`, `500ms` or a sum like `1d12h` into milliseconds.
 * Used for `--older-than` and the retention `interval`; anything else (no unit, zero, a fraction, an
 * unknown unit) is REQUEST_INVALID naming `what` and showing examples.
 */
export function parseDuration(text: string, what = 'duration'): number {
  const trimmed = text.trim();
  const parts = /^(?:\d+(?:ms|s|m|h|d|w))+$/.test(trimmed)
    ? [...trimmed.matchAll(/(\d+)(ms|s|m|h|d|w)/g)]
    : [];
  const total = parts.reduce(
    (sum, [, amount, unit]) => sum + Number(amount) * unitMs[unit as keyof typeof unitMs],
    0,
  );
  if (parts.length === 0 || total <= 0 || !Number.isSafeInteger(total)) {
    throw new MeshError(
      'REQUEST_INVALID',
      `${what} "${text}" is not a duration: use a positive whole number and a unit, e.g. 30d, 12h or 90m ` +
        `(units: ${durationUnits.join(', ')}).`,
      { field: what, value: text },
    );
  }
  return total;
}

/** Formats milliseconds as parseDuration reads them, in the largest unit that divides it (e.g. `30d`, `90m`). */
export function formatDuration(ms: number): string {
  const rounded = Math.max(0, Math.round(ms));
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (rounded > 0 && rounded % unitMs[unit] === 0) return `${rounded / unitMs[unit]}${unit}`;
  }
  return `${rounded}ms`;
}
