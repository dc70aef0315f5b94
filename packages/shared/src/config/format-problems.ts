/** Turns config problems into the one-line `file:line:col path message` form users and editors read. */
import type { ConfigProblem } from './config-file.js';

/** Formats one problem as `file:line:col path message` (no line:col when unknown, no path when empty). */
export function formatProblem(problem: ConfigProblem): string {
  const where = problem.line > 0 ? `${problem.file}:${problem.line}:${problem.col}` : problem.file;
  return problem.path === ''
    ? `${where} ${problem.message}`
    : `${where} ${problem.path} ${problem.message}`;
}

/** Formats problems one per line, in the order given. */
export function formatProblems(problems: readonly ConfigProblem[]): string {
  return problems.map(formatProblem).join('\n');
}

/**
 * Orders problems by file (in order of first appearance), then line and column, dropping exact duplicates
 * (an anchored value used twice reports a broken `${VAR}` once).
 */
export function sortProblems(problems: readonly ConfigProblem[]): ConfigProblem[] {
  const fileOrder = new Map<string, number>();
  for (const problem of problems) {
    if (!fileOrder.has(problem.file)) fileOrder.set(problem.file, fileOrder.size);
  }
  const seen = new Set<string>();
  const unique = problems.filter((problem) => {
    const key = formatProblem(problem);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.sort(
    (a, b) =>
      (fileOrder.get(a.file) ?? 0) - (fileOrder.get(b.file) ?? 0) ||
      a.line - b.line ||
      a.col - b.col,
  );
}
