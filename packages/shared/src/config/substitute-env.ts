/**
 * `${VAR}` / `${VAR, default}` substitution inside one scalar string, applied after YAML parsing so comments
 * and keys are never touched. `$${VAR}` is an escape for a literal `${VAR}`.
 */

/** Environment variables as read by the loader (process.env by default; tests pass their own). */
export type ConfigEnv = Readonly<Record<string, string | undefined>>;

/** Something wrong with one `${…}` expression, positioned inside the scalar's value. */
export interface SubstitutionProblem {
  /** Offset of the expression in the input string. */
  index: number;
  /** The expression as written, e.g. `${PORT}`. */
  expression: string;
  /** The variable name, when the expression was well formed. */
  variable?: string;
  message: string;
}

/** The substituted string and every problem found in it. */
export interface SubstitutionResult {
  value: string;
  /** True when at least one expression or escape was replaced. */
  changed: boolean;
  problems: SubstitutionProblem[];
}

const namePattern = /[A-Za-z_][A-Za-z0-9_]*/y;

/**
 * Replaces every `${VAR}` and `${VAR, default}` in `input` from `env`. A variable that is unset or empty
 * takes its default; with no default it is a problem (never a silent empty string). A default may be
 * empty (`${VAR, }`) or quoted (`${VAR, ""}`, `${VAR, 'a, b'}`).
 */
export function substituteEnv(input: string, env: ConfigEnv): SubstitutionResult {
  if (!input.includes('${')) return { value: input, changed: false, problems: [] };
  const problems: SubstitutionProblem[] = [];
  let output = '';
  let index = 0;
  let changed = false;
  while (index < input.length) {
    const next = input.indexOf('${', index);
    if (next < 0) {
      output += input.slice(index);
      break;
    }
    if (next > 0 && input[next - 1] === '$') {
      // `$${` is the escape: drop one `$` and keep `${` literally.
      output += input.slice(index, next - 1) + '${';
      index = next + 2;
      changed = true;
      continue;
    }
    output += input.slice(index, next);
    const parsed = parseExpression(input, next);
    if ('message' in parsed) {
      problems.push({ index: next, expression: parsed.expression, message: parsed.message });
      output += parsed.expression;
      index = next + parsed.expression.length;
      continue;
    }
    changed = true;
    index = parsed.end;
    const value = env[parsed.variable];
    if (value !== undefined && value !== '') {
      output += value;
    } else if (parsed.fallback !== undefined) {
      output += parsed.fallback;
    } else {
      const expression = input.slice(next, parsed.end);
      problems.push({
        index: next,
        expression,
        variable: parsed.variable,
        message: `environment variable ${parsed.variable} is not set and ${expression} has no default; set it or write \${${parsed.variable}, <default>}`,
      });
      output += expression;
    }
  }
  return { value: output, changed, problems };
}

type ParsedExpression =
  | { variable: string; fallback: string | undefined; end: number }
  | { expression: string; message: string };

/** Parses the expression starting at `start` (which points at `${`). */
function parseExpression(input: string, start: number): ParsedExpression {
  const close = input.indexOf('}', start);
  const malformed = (message: string): ParsedExpression => ({
    expression: close < 0 ? input.slice(start) : input.slice(start, close + 1),
    message,
  });
  let position = start + 2;
  position = skipSpaces(input, position);
  namePattern.lastIndex = position;
  const name = namePattern.exec(input)?.[0];
  if (name === undefined) {
    return malformed(
      close < 0
        ? 'has an unclosed ${ (write $${ for a literal ${)'
        : `has an invalid variable expression; expected \${NAME} or \${NAME, default} (write $\${ for a literal \${)`,
    );
  }
  position = skipSpaces(input, position + name.length);
  if (input[position] === '}') return { variable: name, fallback: undefined, end: position + 1 };
  if (input[position] !== ',') {
    return malformed(
      close < 0
        ? `has an unclosed \${${name} (write $\${ for a literal \${)`
        : `has an invalid variable expression; expected \${${name}} or \${${name}, default}`,
    );
  }
  position = skipSpaces(input, position + 1);
  const quote = input[position];
  if (quote === '"' || quote === "'") {
    const endQuote = input.indexOf(quote, position + 1);
    const after = endQuote < 0 ? -1 : skipSpaces(input, endQuote + 1);
    if (endQuote < 0 || input[after] !== '}') {
      return malformed(`has an unterminated quoted default in \${${name}, …}`);
    }
    return { variable: name, fallback: input.slice(position + 1, endQuote), end: after + 1 };
  }
  if (close < 0) return malformed(`has an unclosed \${${name}, … (write $\${ for a literal \${)`);
  const fallback = input.slice(position, close);
  if (fallback.includes('${')) {
    return malformed(`nests \${…} inside the default of \${${name}, …}, which is not supported`);
  }
  return { variable: name, fallback: fallback.trimEnd(), end: close + 1 };
}

function skipSpaces(input: string, position: number): number {
  let cursor = position;
  while (input[cursor] === ' ' || input[cursor] === '\t') cursor += 1;
  return cursor;
}
