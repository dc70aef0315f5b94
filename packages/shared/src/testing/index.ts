/**
 * @agent-mesh/shared/testing: helpers for tests, never imported by production code — real test
 * databases on the running PostgreSQL and MariaDB servers or in temp SQLite files.
 */
export {
  createTestDatabase,
  testDatabaseProviders,
  testMysqlAdminUrl,
  testPostgresAdminUrl,
  withDatabase,
} from './create-test-database.js';
export type { CreateTestDatabaseOptions, TestDatabase } from './create-test-database.js';
export { metricValue, parsePrometheusText } from './parse-prometheus-text.js';
export type { PrometheusSample } from './parse-prometheus-text.js';
