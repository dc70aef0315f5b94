/**
 * Reads unlabelled samples of the given metric names from a Prometheus text exposition (e.g. prom-client's
 * `nodejs_heap_size_used_bytes`); names that are missing are left out.
 */
export function readGauges(text: string, names: readonly string[]): Record<string, number> {
  const values: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [name, value] = line.trim().split(/\s+/, 3);
    if (name === undefined || value === undefined || !names.includes(name)) continue;
    const number = Number(value);
    if (Number.isFinite(number)) values[name] = number;
  }
  return values;
}

/** prom-client's sample of the young generation's reserved size. */
export const youngGenerationTotal = 'nodejs_heap_space_size_total_bytes{space="new"}';

/**
 * True when V8 has given back the heap a burst of work grew (its memory reducer runs some seconds after
 * the allocation rate drops): the young generation is back to a few MiB (a busy process grows it to
 * 32 MiB) and the heap reserved is at most `slack` times the heap in use.
 */
export function isHeapSettled(gauges: Record<string, number>, slack = 1.5): boolean {
  const used = gauges.nodejs_heap_size_used_bytes;
  const total = gauges.nodejs_heap_size_total_bytes;
  const young = gauges[youngGenerationTotal];
  return (
    used !== undefined &&
    total !== undefined &&
    young !== undefined &&
    young <= 4 * 1024 * 1024 &&
    total <= used * slack
  );
}
