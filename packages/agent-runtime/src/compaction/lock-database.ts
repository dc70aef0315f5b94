/**
 * The slice of an open agent database (`AgentDatabase` from @agent-mesh/shared) the session locks use:
 * the provider and the Prisma client's raw-SQL and interactive-transaction methods. Kept structural so
 * the locks do not depend on which generated client is loaded.
 */

/** Raw SQL on a Prisma client or an interactive transaction (`$1` placeholders on PostgreSQL, `?` elsewhere). */
export interface RawSql {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
}

/** A Prisma client: raw SQL plus interactive transactions, which pin one pooled connection. */
export interface RawSqlClient extends RawSql {
  $transaction<R>(
    action: (transaction: RawSql) => Promise<R>,
    options?: { maxWait?: number; timeout?: number },
  ): Promise<R>;
}

/** What a database session lock needs from `AgentDatabase`. */
export interface LockDatabase {
  provider: 'sqlite' | 'postgresql' | 'mysql';
  client: RawSqlClient;
}
