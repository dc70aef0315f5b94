import { describe, expect, it } from 'vitest';
import { isMeshError } from '../errors/mesh-error.js';
import { parseDatabaseUrl, redactDatabaseUrl } from './parse-database-url.js';

const cwd = '/srv/app';

function parseError(url: string): { code: string; message: string } {
  try {
    parseDatabaseUrl(url, cwd);
  } catch (error) {
    if (isMeshError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error(`expected ${url} to be rejected`);
}

describe('parseDatabaseUrl', () => {
  describe('SQLite', () => {
    it.each([
      ['sqlite:///data/agent.db', '/srv/app/data/agent.db'],
      ['sqlite:////var/lib/agent.db', '/var/lib/agent.db'],
      ['sqlite:data/agent.db', '/srv/app/data/agent.db'],
      ['sqlite:/var/lib/agent.db', '/var/lib/agent.db'],
      ['file:./x.db', '/srv/app/x.db'],
      ['file:x.db', '/srv/app/x.db'],
      ['file:/abs/x.db', '/abs/x.db'],
      ['file:///abs/x.db', '/abs/x.db'],
      ['sqlite+aiosqlite:///data/agent.db', '/srv/app/data/agent.db'],
      ['sqlite:///data/agent.db?mode=rwc', '/srv/app/data/agent.db'],
      ['sqlite://', ':memory:'],
      ['sqlite:///:memory:', ':memory:'],
    ])('reads %s as %s', (url, path) => {
      const parsed = parseDatabaseUrl(url, cwd);
      expect(parsed.provider).toBe('sqlite');
      expect(parsed.sqlitePath).toBe(path);
      expect(parsed.redacted).toBe(url);
    });

    it('keeps SQLite query parameters', () => {
      expect(parseDatabaseUrl('sqlite:///a.db?mode=ro', cwd).params).toEqual({ mode: 'ro' });
    });

    it('rejects a host part with the two forms that were probably meant', () => {
      const error = parseError('sqlite://data/agent.db');
      expect(error.code).toBe('DATABASE_URL_INVALID');
      expect(error.message).toContain('sqlite:///data/agent.db');
      expect(error.message).toContain('sqlite:////absolute/path.db');
    });

    it('rejects a URL that names no file', () => {
      expect(parseError('sqlite:').code).toBe('DATABASE_URL_INVALID');
    });
  });

  describe('PostgreSQL', () => {
    it.each([
      'postgresql://agent:secret@db.internal:6543/agent_mesh',
      'postgres://agent:secret@db.internal:6543/agent_mesh',
      'postgresql+asyncpg://agent:secret@db.internal:6543/agent_mesh',
      'postgresql+psycopg://agent:secret@db.internal:6543/agent_mesh',
      'postgresql+psycopg2://agent:secret@db.internal:6543/agent_mesh',
    ])('reads %s', (url) => {
      expect(parseDatabaseUrl(url, cwd)).toEqual({
        provider: 'postgresql',
        host: 'db.internal',
        port: 6543,
        user: 'agent',
        password: 'secret',
        database: 'agent_mesh',
        params: {},
        redacted: url.replace(':secret@', ':****@'),
      });
    });

    it('defaults host and port and keeps parameters such as sslmode', () => {
      const parsed = parseDatabaseUrl(
        'postgresql://postgres@/agent?sslmode=require&application_name=x',
        cwd,
      );
      expect(parsed).toMatchObject({
        host: 'localhost',
        port: 5432,
        user: 'postgres',
        database: 'agent',
      });
      expect(parsed.params).toEqual({ sslmode: 'require', application_name: 'x' });
    });

    it('percent-decodes user, password and database', () => {
      const parsed = parseDatabaseUrl('postgresql://us%40er:p%40ss%3Aw%2Fd@h/my%20db', cwd);
      expect(parsed).toMatchObject({ user: 'us@er', password: 'p@ss:w/d', database: 'my db' });
      expect(parsed.redacted).toBe('postgresql://us%40er:****@h/my%20db');
    });

    it('takes everything up to the last @ as credentials when the password has a raw @', () => {
      const parsed = parseDatabaseUrl('postgresql://u:p@ss@h:5432/db', cwd);
      expect(parsed).toMatchObject({ user: 'u', password: 'p@ss', host: 'h', database: 'db' });
      expect(parsed.redacted).toBe('postgresql://u:****@h:5432/db');
    });

    it('reads the unix socket forms', () => {
      const viaParam = parseDatabaseUrl('postgresql:///agent?host=/var/run/postgresql', cwd);
      expect(viaParam).toMatchObject({
        socketPath: '/var/run/postgresql',
        database: 'agent',
        params: {},
      });
      expect(viaParam.host).toBeUndefined();
      expect(parseDatabaseUrl('postgresql://%2Fvar%2Frun%2Fpostgresql/agent', cwd)).toMatchObject({
        socketPath: '/var/run/postgresql',
        database: 'agent',
      });
    });

    it('reads an IPv6 host', () => {
      expect(parseDatabaseUrl('postgresql://u@[::1]:5433/db', cwd)).toMatchObject({
        host: '::1',
        port: 5433,
      });
    });

    it('rejects a URL without a database, showing where to put it', () => {
      const error = parseError('postgresql://postgres@127.0.0.1:5432');
      expect(error.code).toBe('DATABASE_URL_INVALID');
      expect(error.message).toContain('names no database');
    });

    it('rejects an invalid port', () => {
      expect(parseError('postgresql://h:99999/db').message).toContain('invalid port "99999"');
    });

    it('rejects several hosts', () => {
      expect(parseError('postgresql://h1:5432,h2:5432/db').message).toContain('several hosts');
    });
  });

  describe('MySQL and MariaDB', () => {
    it.each([
      'mysql://root:pw@127.0.0.1:3307/agent',
      'mysql+pymysql://root:pw@127.0.0.1:3307/agent',
      'mysql+aiomysql://root:pw@127.0.0.1:3307/agent',
      'mysql+asyncmy://root:pw@127.0.0.1:3307/agent',
      'mariadb://root:pw@127.0.0.1:3307/agent',
      'mariadb+mariadbconnector://root:pw@127.0.0.1:3307/agent',
    ])('reads %s', (url) => {
      expect(parseDatabaseUrl(url, cwd)).toMatchObject({
        provider: 'mysql',
        host: '127.0.0.1',
        port: 3307,
        user: 'root',
        password: 'pw',
        database: 'agent',
      });
    });

    it('defaults the port to 3306 and keeps ssl parameters', () => {
      const parsed = parseDatabaseUrl('mysql://root@db/agent?ssl=true&charset=utf8mb4', cwd);
      expect(parsed.port).toBe(3306);
      expect(parsed.params).toEqual({ ssl: 'true', charset: 'utf8mb4' });
    });

    it('reads the unix_socket parameter', () => {
      expect(
        parseDatabaseUrl(
          'mysql+pymysql://root@localhost/agent?unix_socket=/run/mysqld/mysqld.sock',
          cwd,
        ),
      ).toMatchObject({ socketPath: '/run/mysqld/mysqld.sock', database: 'agent', params: {} });
    });
  });

  it('names the scheme and the accepted forms for an unknown scheme, without the password', () => {
    const error = parseError('mongodb://admin:hunter2@db/agent');
    expect(error.code).toBe('DATABASE_URL_INVALID');
    expect(error.message).toContain('Unsupported database URL scheme "mongodb"');
    expect(error.message).toContain('mongodb://admin:****@db/agent');
    expect(error.message).toContain('sqlite:///');
    expect(error.message).toContain('postgresql+asyncpg://');
    expect(error.message).not.toContain('hunter2');
  });

  it('rejects a bare path and an empty URL', () => {
    expect(parseError('data/agent.db').message).toContain('has no scheme');
    expect(parseError('  ').message).toContain('empty');
  });

  it('rejects a malformed percent-escape without echoing the password', () => {
    const error = parseError('postgresql://u:se%ZZcret@h/db');
    expect(error.message).toContain('malformed percent-escape');
    expect(error.message).not.toContain('se%ZZcret');
  });
});

describe('redactDatabaseUrl', () => {
  it('hides passwords in userinfo and in query parameters', () => {
    expect(redactDatabaseUrl('mysql://u:pw@h/db?password=x&ssl=true')).toBe(
      'mysql://u:****@h/db?password=****&ssl=true',
    );
  });

  it('leaves a URL without password unchanged', () => {
    expect(redactDatabaseUrl('postgresql://postgres@127.0.0.1:5432/db')).toBe(
      'postgresql://postgres@127.0.0.1:5432/db',
    );
  });
});
