export type { SqlDriver, SqlRunner, SqlStatement } from './sql-driver.js';
export { mysqlTimestamp, parseUtcTimestamp, sqliteTimestamp } from './sql-driver.js';
export { createMysqlSqlDriver } from './mysql-sql-driver.js';
export { createPostgresSqlDriver } from './postgres-sql-driver.js';
export { createSqliteSqlDriver } from './sqlite-sql-driver.js';
