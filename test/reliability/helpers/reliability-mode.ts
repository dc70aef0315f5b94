/** True when RELIABILITY_FULL=1 asks for the long variants (the full counts and durations). */
export const fullMode = process.env.RELIABILITY_FULL === '1';

/** The CI default or, with RELIABILITY_FULL=1, the full figure. */
export function scaled<T>(ciDefault: T, full: T): T {
  return fullMode ? full : ciDefault;
}
