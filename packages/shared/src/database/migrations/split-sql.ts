/** One statement of a migration script, with the line it starts on (1-based) for error messages. */
export interface SqlStatement {
  sql: string;
  line: number;
}

/**
 * Splits a migration script into single statements at top-level semicolons, for drivers that run one
 * statement per call (the MariaDB driver) and so a failure can name its statement. Semicolons inside
 * quoted strings and identifiers ('…', "…", `…`), comments (--, #, /* *\/) and PostgreSQL dollar-quoted
 * bodies ($$…$$, $tag$…$tag$) do not split; `#` starts a comment only with `hashComments` (MySQL).
 * Comment-only pieces are dropped.
 */
export function splitSqlStatements(
  script: string,
  options: { hashComments?: boolean } = {},
): SqlStatement[] {
  const hashComments = options.hashComments ?? false;
  const statements: SqlStatement[] = [];
  let index = 0;
  let hasCode = false;
  let firstCodeIndex = -1;

  const push = (end: number): void => {
    if (hasCode) {
      const sql = script.slice(firstCodeIndex, end).trim();
      statements.push({ sql, line: lineAt(script, firstCodeIndex) });
    }
    hasCode = false;
    firstCodeIndex = -1;
  };
  const markCode = (at: number): void => {
    if (!hasCode) {
      hasCode = true;
      firstCodeIndex = at;
    }
  };

  while (index < script.length) {
    const char = script[index] as string;
    const next = script[index + 1];
    if (char === '-' && next === '-') {
      index = skipTo(script, index, '\n');
    } else if (char === '#' && hashComments) {
      index = skipTo(script, index, '\n');
    } else if (char === '/' && next === '*') {
      const end = script.indexOf('*/', index + 2);
      index = end === -1 ? script.length : end + 2;
    } else if (char === "'" || char === '"' || char === '`') {
      markCode(index);
      index = skipQuoted(script, index, char);
    } else if (char === '$') {
      markCode(index);
      index = skipDollarQuoted(script, index);
    } else if (char === ';') {
      push(index);
      index += 1;
    } else {
      if (!/\s/.test(char)) markCode(index);
      index += 1;
    }
  }
  push(script.length);
  return statements;
}

function skipTo(script: string, from: number, terminator: string): number {
  const end = script.indexOf(terminator, from);
  return end === -1 ? script.length : end + terminator.length;
}

/** Skips a quoted run; a doubled quote escapes itself, and a backslash escapes inside '…' (MySQL). */
function skipQuoted(script: string, from: number, quote: string): number {
  let index = from + 1;
  while (index < script.length) {
    const char = script[index];
    if (char === '\\' && quote === "'") {
      index += 2;
    } else if (char === quote) {
      if (script[index + 1] === quote) {
        index += 2;
      } else {
        return index + 1;
      }
    } else {
      index += 1;
    }
  }
  return script.length;
}

/** Skips a PostgreSQL dollar-quoted body; a `$` that does not open one (e.g. `$1`) is one character. */
function skipDollarQuoted(script: string, from: number): number {
  const match = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(script.slice(from, from + 64));
  if (!match) return from + 1;
  const tag = match[0];
  const end = script.indexOf(tag, from + tag.length);
  return end === -1 ? script.length : end + tag.length;
}

function lineAt(script: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i += 1) if (script.charCodeAt(i) === 10) line += 1;
  return line;
}
