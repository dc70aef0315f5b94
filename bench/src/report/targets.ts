/**
 * A target from the issue, stated against a row's own value or its ratio to the reference:
 * `ratio-at-least` / `ratio-at-most` compare value ÷ reference (the reference may be another figure of
 * the same run, e.g. load time at 100 events), `below` / `at-least` compare the value in the row's unit.
 */
export type Target =
  | { kind: 'ratio-at-least'; limit: number }
  | { kind: 'ratio-at-most'; limit: number }
  | { kind: 'below'; limit: number }
  | { kind: 'at-least'; limit: number };

/** Says a target in the table's words, e.g. `≥ 0.7× ref`, `< 3 ms`. */
export function describeTarget(target: Target, unit: string): string {
  switch (target.kind) {
    case 'ratio-at-least':
      return `≥ ${target.limit}× ref`;
    case 'ratio-at-most':
      return `≤ ${target.limit}× ref`;
    case 'below':
      return `< ${target.limit} ${unit}`;
    case 'at-least':
      return `≥ ${target.limit} ${unit}`;
  }
}

/** Tells whether a measured value (and its ratio to the reference) meets a target; null when it cannot say. */
export function isTargetMet(target: Target, value: number, ratio: number | null): boolean | null {
  switch (target.kind) {
    case 'ratio-at-least':
      return ratio === null ? null : ratio >= target.limit;
    case 'ratio-at-most':
      return ratio === null ? null : ratio <= target.limit;
    case 'below':
      return value < target.limit;
    case 'at-least':
      return value >= target.limit;
  }
}
