import type { BenchRow } from './bench-row.js';

/** Formats a figure for reading: thousands separators for large values, three significant digits for small. */
export function formatNumber(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude >= 1000) return Math.round(value).toLocaleString('en-US');
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  if (magnitude >= 1) return value.toFixed(2);
  if (magnitude === 0) return '0';
  return value.toPrecision(3);
}

/** Formats a ratio to its reference, e.g. `0.83×`. */
export function formatRatio(ratio: number): string {
  return `${ratio >= 10 ? ratio.toFixed(1) : ratio.toFixed(2)}×`;
}

function metText(row: BenchRow): string {
  if (row.value === null) return 'n/a';
  if (row.met === null) return '—';
  return row.met ? 'met' : '**missed**';
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/**
 * Renders rows as a GitHub markdown table (benchmark, database, ours, reference, ratio, target, met), with
 * each row's note as a numbered footnote under the table (one number per distinct note) so cells stay short.
 */
export function formatTable(rows: readonly BenchRow[]): string {
  const header = ['Benchmark', 'DB', 'Ours', 'Reference', 'Ratio', 'Target', 'Met'];
  const notes: string[] = [];
  const lines = rows.map((row) => {
    let name = row.name;
    if (row.note !== undefined) {
      if (!notes.includes(row.note)) notes.push(row.note);
      name += ` [${notes.indexOf(row.note) + 1}]`;
    }
    const ours = row.value === null ? 'n/a' : `${formatNumber(row.value)} ${row.unit}`;
    const reference =
      row.reference === null
        ? '—'
        : `${formatNumber(row.reference.value)} ${row.unit} (${row.reference.label})`;
    const ratio = row.ratio === null ? '—' : formatRatio(row.ratio);
    return [name, row.database, ours, reference, ratio, row.targetText ?? '—', metText(row)];
  });
  const table = [header, header.map(() => '---'), ...lines]
    .map((cells) => `| ${cells.map(escapeCell).join(' | ')} |`)
    .join('\n');
  // Blank lines between footnotes, so each stays its own paragraph when the table is pasted into markdown.
  const footnotes = notes.map((note, index) => `[${index + 1}] ${note}`).join('\n\n');
  return footnotes === '' ? table : `${table}\n\n${footnotes}`;
}
