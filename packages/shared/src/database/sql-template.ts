import type { DatabaseProvider } from './database-types.js';

/** SQL text spliced into a statement as is: identifiers, keywords and validated integers only. */
export class TrustedSql {
  constructor(readonly text: string) {}
}

/** Marks text to splice into a statement unescaped (never user input). */
export function trustedSql(text: string): TrustedSql {
  return new TrustedSql(text);
}

/** A statement ready for `$queryRawUnsafe(text, ...values)` / `$executeRawUnsafe(text, ...values)`. */
export interface BoundStatement {
  text: string;
  values: unknown[];
}

/** A tagged template that binds every `${value}` as a parameter in one provider's placeholder style. */
export type SqlTemplate = (strings: TemplateStringsArray, ...holes: unknown[]) => BoundStatement;

/**
 * Creates the `sql` tag for raw statements on one provider: `${value}` becomes a bound parameter (`$n`
 * on PostgreSQL, `?` on SQLite and MySQL, numbered in order even when a value repeats), an array
 * becomes a comma-separated list of parameters (for `IN (…)`), `${trustedSql(text)}` is spliced as is,
 * and a nested BoundStatement is inlined with its values.
 */
export function createSqlTemplate(provider: DatabaseProvider): SqlTemplate {
  return (strings, ...holes) => {
    let text = strings[0] ?? '';
    const values: unknown[] = [];
    const bind = (value: unknown): string => {
      values.push(value);
      return provider === 'postgresql' ? `$${values.length}` : '?';
    };
    holes.forEach((hole, index) => {
      if (hole instanceof TrustedSql) text += hole.text;
      else if (Array.isArray(hole)) {
        if (hole.length === 0)
          throw new Error('An empty list cannot be bound in SQL: IN () is invalid.');
        text += hole.map((value: unknown) => bind(value)).join(', ');
      } else if (isBoundStatement(hole)) {
        let inner = 0;
        text += hole.text.replace(/\$\d+|\?/g, () => bind(hole.values[inner++]));
      } else text += bind(hole);
      text += strings[index + 1] ?? '';
    });
    return { text, values };
  };
}

function isBoundStatement(value: unknown): value is BoundStatement {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as BoundStatement).text === 'string' &&
    Array.isArray((value as BoundStatement).values)
  );
}
