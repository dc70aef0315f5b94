import { describe, expect, it } from 'vitest';
import {
  createMariaDbSettings,
  createPgSettings,
  defaultPoolConfig,
  resolvePoolConfig,
} from './connection-settings.js';
import { parseDatabaseUrl } from './parse-database-url.js';

const pool = { max_connections: 7, connect_timeout_ms: 2500, idle_timeout_ms: 45_500 };

describe('resolvePoolConfig', () => {
  it('fills missing keys with the config defaults', () => {
    const parsed = parseDatabaseUrl('postgresql://h/db');
    expect(resolvePoolConfig(parsed, { max_connections: 3 })).toEqual({
      ...defaultPoolConfig,
      max_connections: 3,
    });
  });

  it('lets Prisma-style connection_limit and connect_timeout (seconds) in the URL win', () => {
    const parsed = parseDatabaseUrl('postgresql://h/db?connection_limit=2&connect_timeout=5');
    expect(resolvePoolConfig(parsed, pool)).toEqual({
      ...pool,
      max_connections: 2,
      connect_timeout_ms: 5000,
    });
  });
});

describe('createPgSettings', () => {
  it('maps the pool, credentials and UTC sessions', () => {
    const settings = createPgSettings(
      parseDatabaseUrl('postgresql+asyncpg://u:p%40ss@db:6543/agent'),
      pool,
    );
    expect(settings).toMatchObject({
      host: 'db',
      port: 6543,
      user: 'u',
      password: 'p@ss',
      database: 'agent',
      max: 7,
      connectionTimeoutMillis: 2500,
      idleTimeoutMillis: 45_500,
      options: '-c TimeZone=UTC',
    });
    expect(settings.ssl).toBeUndefined();
  });

  it('connects through a unix socket folder', () => {
    const settings = createPgSettings(
      parseDatabaseUrl('postgresql:///agent?host=/var/run/postgresql'),
      pool,
    );
    expect(settings.host).toBe('/var/run/postgresql');
  });

  it.each([
    ['disable', false],
    ['require', { rejectUnauthorized: false }],
    ['prefer', { rejectUnauthorized: false }],
    ['verify-full', true],
  ] as const)('maps sslmode=%s as libpq does', (mode, ssl) => {
    expect(
      createPgSettings(parseDatabaseUrl(`postgresql://h/db?sslmode=${mode}`), pool).ssl,
    ).toEqual(ssl);
  });

  it('rejects an unknown sslmode', () => {
    expect(() =>
      createPgSettings(parseDatabaseUrl('postgresql://h/db?sslmode=maybe'), pool),
    ).toThrow(/Unknown sslmode "maybe"/);
  });

  it('puts ?schema= on the search path', () => {
    expect(
      createPgSettings(parseDatabaseUrl('postgresql://h/db?schema=agent one'), pool).options,
    ).toBe('-c TimeZone=UTC -c search_path=agent\\ one');
  });
});

describe('createMariaDbSettings', () => {
  it('maps the pool (idle timeout in seconds), utf8mb4 and UTC sessions', () => {
    const settings = createMariaDbSettings(
      parseDatabaseUrl('mysql+pymysql://root:pw@db:3307/agent'),
      pool,
    );
    expect(settings).toMatchObject({
      host: 'db',
      port: 3307,
      user: 'root',
      password: 'pw',
      database: 'agent',
      connectionLimit: 7,
      connectTimeout: 2500,
      acquireTimeout: 2500,
      idleTimeout: 46,
      charset: 'utf8mb4',
      sessionVariables: { time_zone: '+00:00' },
    });
  });

  it('uses a unix socket instead of host and port', () => {
    const settings = createMariaDbSettings(
      parseDatabaseUrl('mysql://root@localhost/agent?unix_socket=/run/mysqld/mysqld.sock'),
      pool,
    );
    expect(settings.socketPath).toBe('/run/mysqld/mysqld.sock');
    expect(settings.host).toBeUndefined();
  });

  it.each([
    ['ssl=true', true],
    ['sslmode=REQUIRED', { rejectUnauthorized: false }],
    ['sslaccept=accept_invalid_certs', { rejectUnauthorized: false }],
    ['ssl-mode=DISABLED', false],
  ] as const)('maps %s', (query, ssl) => {
    expect(createMariaDbSettings(parseDatabaseUrl(`mysql://root@h/db?${query}`), pool).ssl).toEqual(
      ssl,
    );
  });
});
