import { readFileSync } from 'node:fs';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { PoolConfig as MariaDbPoolConfig } from 'mariadb';
import type { PoolConfig as PgPoolConfig } from 'pg';
import type { PoolConfig } from '../config/agent-config.js';
import { MeshError } from '../errors/mesh-error.js';
import type { ParsedDatabaseUrl } from './database-types.js';

/** The pool defaults of the config contract, used when a caller passes no `pool`. */
export const defaultPoolConfig: PoolConfig = {
  max_connections: 10,
  connect_timeout_ms: 10_000,
  idle_timeout_ms: 30_000,
};

/** How long a SQLite connection waits for another process's write lock before failing. */
export const sqliteBusyTimeoutMs = 10_000;

/** Fills missing pool keys with the contract defaults; URL `connection_limit` wins like in Prisma. */
export function resolvePoolConfig(
  parsed: ParsedDatabaseUrl,
  pool: Partial<PoolConfig> = {},
): PoolConfig {
  const resolved = { ...defaultPoolConfig, ...stripUndefined(pool) };
  const limit = parsed.params.connection_limit;
  if (limit !== undefined && /^\d+$/.test(limit) && Number(limit) > 0)
    resolved.max_connections = Number(limit);
  const connectTimeout = parsed.params.connect_timeout;
  if (connectTimeout !== undefined && /^\d+$/.test(connectTimeout)) {
    resolved.connect_timeout_ms = Number(connectTimeout) * 1000; // libpq and Prisma: seconds
  }
  return resolved;
}

/** Names the target for messages: `PostgreSQL database "agent" at 127.0.0.1:5432 (user "postgres")`. */
export function describeDatabaseTarget(parsed: ParsedDatabaseUrl): string {
  if (parsed.provider === 'sqlite') return `SQLite database ${parsed.sqlitePath ?? ''}`;
  const engine = parsed.provider === 'postgresql' ? 'PostgreSQL' : 'MySQL/MariaDB';
  const where = parsed.socketPath ?? `${parsed.host ?? 'localhost'}:${parsed.port ?? ''}`;
  const user = parsed.user === undefined ? '' : ` (user "${parsed.user}")`;
  return `${engine} database "${parsed.database ?? ''}" at ${where}${user}`;
}

/**
 * Driver settings for node-postgres from a parsed URL: host or unix socket, credentials, pool sizes,
 * libpq-style `sslmode` (`require` encrypts without verifying the certificate, as libpq does),
 * `?schema=` as the search path, and UTC sessions so database-side CURRENT_TIMESTAMP matches Prisma.
 */
export function createPgSettings(
  parsed: ParsedDatabaseUrl,
  pool: PoolConfig,
  database: string | undefined = parsed.database,
): PgPoolConfig {
  const params = parsed.params;
  const settings: PgPoolConfig = {
    host: parsed.socketPath ?? parsed.host,
    port: parsed.port,
    user: parsed.user,
    password: parsed.password,
    database,
    max: pool.max_connections,
    connectionTimeoutMillis: pool.connect_timeout_ms,
    idleTimeoutMillis: pool.idle_timeout_ms,
    application_name: params.application_name ?? 'agent-mesh',
  };
  const options = ['-c TimeZone=UTC'];
  if (params.schema !== undefined && params.schema !== '') {
    options.push(`-c search_path=${quotePgOption(params.schema)}`);
  }
  settings.options = options.join(' ');
  const ssl = pgSsl(params);
  if (ssl !== undefined) settings.ssl = ssl;
  return settings;
}

/**
 * Driver settings for the MariaDB connector (MySQL and MariaDB) from a parsed URL: pool sizes (the
 * connector's idle timeout is in seconds), utf8mb4, UTC sessions, and `ssl` / `sslmode` / `sslaccept`.
 */
export function createMariaDbSettings(
  parsed: ParsedDatabaseUrl,
  pool: PoolConfig,
  database: string | null = parsed.database ?? null,
): MariaDbPoolConfig {
  const params = parsed.params;
  const settings: MariaDbPoolConfig = {
    user: parsed.user ?? 'root',
    password: parsed.password,
    database: database ?? undefined,
    connectionLimit: pool.max_connections,
    minimumIdle: 1,
    connectTimeout: pool.connect_timeout_ms > 0 ? pool.connect_timeout_ms : undefined,
    acquireTimeout: pool.connect_timeout_ms > 0 ? pool.connect_timeout_ms : undefined,
    idleTimeout: Math.ceil(pool.idle_timeout_ms / 1000),
    charset: params.charset ?? 'utf8mb4',
    sessionVariables: { time_zone: '+00:00' },
  };
  if (parsed.socketPath !== undefined) settings.socketPath = parsed.socketPath;
  else {
    settings.host = parsed.host;
    settings.port = parsed.port;
  }
  const ssl = mysqlSsl(params);
  if (ssl !== undefined) settings.ssl = ssl;
  return settings;
}

/**
 * Checks the TLS parameters of a server URL (`sslmode`, `ssl`, …) the way the drivers' settings read
 * them, without reading certificate files, so `config check` rejects an unknown mode before start-up.
 * Throws DATABASE_URL_INVALID.
 */
export function checkSslParams(parsed: ParsedDatabaseUrl): void {
  if (parsed.provider === 'sqlite') return;
  const params = { ...parsed.params };
  for (const file of ['sslrootcert', 'sslca', 'ssl_ca']) delete params[file];
  if (parsed.provider === 'postgresql') pgSsl(params);
  else mysqlSsl(params);
}

function pgSsl(params: Record<string, string>): boolean | TlsOptions | undefined {
  const mode = (params.sslmode ?? params.ssl ?? '').toLowerCase();
  const ca = readCa(params.sslrootcert);
  switch (mode) {
    case '':
      return ca === undefined ? undefined : { ca };
    case 'disable':
    case 'false':
    case '0':
      return false;
    case 'allow':
    case 'prefer':
    case 'require':
    case 'no-verify':
      return { rejectUnauthorized: false };
    case 'true':
    case '1':
    case 'verify-ca':
    case 'verify-full':
      return ca === undefined ? true : { ca };
    default:
      throw new MeshError(
        'DATABASE_URL_INVALID',
        `Unknown sslmode "${mode}" in the database URL. Use disable, require, verify-ca or verify-full.`,
      );
  }
}

function mysqlSsl(params: Record<string, string>): boolean | TlsOptions | undefined {
  const ca = readCa(params.sslca ?? params.ssl_ca);
  if (params.sslaccept === 'accept_invalid_certs') return { rejectUnauthorized: false };
  const mode = (
    params.sslmode ??
    params['ssl-mode'] ??
    params.ssl_mode ??
    params.ssl ??
    ''
  ).toLowerCase();
  switch (mode) {
    case '':
      return ca === undefined ? undefined : { ca };
    case 'disabled':
    case 'disable':
    case 'false':
    case '0':
      return false;
    case 'preferred':
    case 'prefer':
    case 'required':
    case 'require':
      return { rejectUnauthorized: false };
    case 'true':
    case '1':
    case 'verify_ca':
    case 'verify_identity':
    case 'verify-ca':
    case 'verify-full':
      return ca === undefined ? true : { ca };
    default:
      throw new MeshError(
        'DATABASE_URL_INVALID',
        `Unknown ssl mode "${mode}" in the database URL. Use ssl=true, sslmode=REQUIRED or sslmode=VERIFY_IDENTITY.`,
      );
  }
}

function readCa(file: string | undefined): string | undefined {
  if (file === undefined || file === '') return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new MeshError(
      'DATABASE_URL_INVALID',
      `Cannot read the CA certificate "${file}" named in the database URL: ${(error as Error).message}`,
    );
  }
}

function quotePgOption(value: string): string {
  // Inside libpq `options`, spaces and backslashes are escaped with a backslash.
  return value.replace(/\\/g, '\\\\').replace(/ /g, '\\ ');
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, entry]) => entry !== undefined),
  ) as Partial<T>;
}
