import type { DatabaseProvider } from '@agent-mesh/shared';

/** One SQL statement with its positional parameters, ready for `$queryRawUnsafe(text, ...values)`. */
export interface SqlStatement {
  text: string;
  values: unknown[];
}

/** SQL text spliced into a statement unescaped: identifiers and validated integers only. */
class RawSql {
  constructor(readonly text: string) {}
}

/** A bound value; becomes a placeholder when the statement is rendered. */
class SqlParam {
  constructor(readonly value: unknown) {}
}

/** A statement or fragment; fragments nest, and placeholders are numbered only when rendered. */
export class Sql {
  constructor(readonly chunks: readonly (string | SqlParam)[]) {}
}

/** Marks SQL text to splice into a statement as is (identifiers and validated integers only). */
export function raw(text: string): RawSql {
  return new RawSql(text);
}

/** The empty fragment, for optional parts of a statement. */
export const emptySql = new Sql([]);

/**
 * The few places where SQLite, PostgreSQL and MySQL/MariaDB differ for the session tables: placeholders
 * (`$1` vs `?`), identifier quoting (`usage` is reserved in MySQL) and locking reads.
 */
export class SqlDialect {
  constructor(readonly provider: DatabaseProvider) {}

  /** Quotes an identifier. */
  id(name: string): string {
    return this.provider === 'mysql' ? `\`${name}\`` : `"${name}"`;
  }

  /** ` FOR UPDATE` where the engine has row locks; SQLite serialises writers instead. */
  get forUpdate(): string {
    return this.provider === 'sqlite' ? '' : ' FOR UPDATE';
  }

  /**
   * Builds a fragment from a template: `${value}` holes become bound parameters, `${raw(text)}` is spliced
   * as is, and `${fragment}` nests another fragment.
   */
  sql(strings: TemplateStringsArray, ...holes: unknown[]): Sql {
    const chunks: (string | SqlParam)[] = [strings[0] ?? ''];
    holes.forEach((hole, index) => {
      if (hole instanceof RawSql) chunks.push(hole.text);
      else if (hole instanceof Sql) chunks.push(...hole.chunks);
      else chunks.push(new SqlParam(hole));
      chunks.push(strings[index + 1] ?? '');
    });
    return new Sql(chunks);
  }

  /** Renders a statement with this engine's placeholders. */
  render(statement: Sql): SqlStatement {
    let text = '';
    const values: unknown[] = [];
    for (const chunk of statement.chunks) {
      if (typeof chunk === 'string') text += chunk;
      else {
        values.push(chunk.value);
        text += this.provider === 'postgresql' ? `$${values.length}` : '?';
      }
    }
    return { text, values };
  }
}
