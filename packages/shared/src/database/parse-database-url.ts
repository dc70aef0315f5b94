import { isAbsolute, resolve } from 'node:path';
import { MeshError } from '../errors/mesh-error.js';
import type { DatabaseProvider, ParsedDatabaseUrl } from './database-types.js';

/** The URL forms we accept, quoted in every "unsupported URL" message. */
export const supportedDatabaseUrlForms = [
  'sqlite:///relative/path.db',
  'sqlite:////absolute/path.db',
  'file:./path.db',
  'postgresql://user:password@host:5432/database',
  'postgresql+asyncpg://…',
  'mysql://user:password@host:3306/database',
  'mysql+pymysql://…',
  'mariadb://…',
] as const;

const defaultPorts: Record<Exclude<DatabaseProvider, 'sqlite'>, number> = {
  postgresql: 5432,
  mysql: 3306,
};
const sqliteSchemes = new Set(['sqlite', 'file']);
const postgresqlSchemes = new Set(['postgresql', 'postgres', 'pgsql']);
const mysqlSchemes = new Set(['mysql', 'mariadb']);
const secretParams = new Set(['password', 'pass', 'sslpassword', 'ssl_key_password']);

/**
 * Takes a database URL apart: our own forms and the SQLAlchemy forms users copy from Python
 * (`postgresql+asyncpg://`, `mysql+pymysql://`, `sqlite:///rel.db`), with percent-decoded credentials.
 * SQLite paths are resolved against the current directory. Throws DATABASE_URL_INVALID with the
 * redacted URL and the accepted forms.
 */
export function parseDatabaseUrl(url: string, cwd: string = process.cwd()): ParsedDatabaseUrl {
  const trimmed = url.trim();
  const schemeMatch = /^([A-Za-z][A-Za-z0-9]*)(?:\+([A-Za-z0-9_]+))?:/.exec(trimmed);
  if (trimmed === '') {
    throw invalid('The database URL is empty.', trimmed);
  }
  if (!schemeMatch) {
    throw invalid(
      `The database URL "${redactDatabaseUrl(trimmed)}" has no scheme. Use one of: ${supportedDatabaseUrlForms.join(', ')}.`,
      trimmed,
    );
  }
  const scheme = (schemeMatch[1] ?? '').toLowerCase();
  const rest = trimmed.slice(schemeMatch[0].length);
  if (sqliteSchemes.has(scheme)) return parseSqliteUrl(scheme, rest, trimmed, cwd);
  if (postgresqlSchemes.has(scheme)) return parseServerUrl('postgresql', rest, trimmed);
  if (mysqlSchemes.has(scheme)) return parseServerUrl('mysql', rest, trimmed);
  throw invalid(
    `Unsupported database URL scheme "${schemeMatch[0].slice(0, -1)}" in "${redactDatabaseUrl(trimmed)}". ` +
      `Use one of: ${supportedDatabaseUrlForms.join(', ')}.`,
    trimmed,
  );
}

/** Returns the URL with its password (userinfo and `password=` parameters) replaced by `****`. */
export function redactDatabaseUrl(url: string): string {
  const queryStart = url.indexOf('?');
  let head = queryStart === -1 ? url : url.slice(0, queryStart);
  const query = queryStart === -1 ? '' : url.slice(queryStart);
  const authorityStart = head.indexOf('://') + 3;
  // Everything up to the last "@" is userinfo, as in the parser, so an unencoded "@" stays hidden.
  const at = head.lastIndexOf('@');
  if (authorityStart > 2 && at > authorityStart) {
    const userInfo = head.slice(authorityStart, at);
    const colon = userInfo.indexOf(':');
    if (colon !== -1) {
      head = `${head.slice(0, authorityStart)}${userInfo.slice(0, colon)}:****${head.slice(at)}`;
    }
  }
  const redactedQuery = query.replace(
    /([?&])([^=&]+)=([^&]*)/g,
    (match, separator: string, key: string) =>
      secretParams.has(key.toLowerCase()) ? `${separator}${key}=****` : match,
  );
  return head + redactedQuery;
}

function parseSqliteUrl(scheme: string, rest: string, url: string, cwd: string): ParsedDatabaseUrl {
  const queryStart = rest.indexOf('?');
  const pathPart = queryStart === -1 ? rest : rest.slice(0, queryStart);
  const params = parseQuery(queryStart === -1 ? '' : rest.slice(queryStart + 1), url);
  let path: string;
  if (pathPart.startsWith('///')) {
    // sqlite:///rel.db is relative, sqlite:////abs.db absolute; file:///abs.db is an absolute file URL.
    path = scheme === 'file' ? pathPart.slice(2) : pathPart.slice(3);
  } else if (pathPart.startsWith('//')) {
    if (pathPart === '//') {
      path = ':memory:';
    } else {
      throw invalid(
        `The SQLite URL "${url}" has a host part. Use sqlite:///${pathPart.slice(2)} for a path relative to ` +
          `the current directory or sqlite:////absolute/path.db for an absolute one.`,
        url,
      );
    }
  } else {
    path = pathPart;
  }
  if (path === '') {
    throw invalid(`The SQLite URL "${url}" names no file. Use e.g. sqlite:///data/agent.db.`, url);
  }
  const sqlitePath = path === ':memory:' ? path : isAbsolute(path) ? path : resolve(cwd, path);
  return { provider: 'sqlite', sqlitePath, params, redacted: url };
}

function parseServerUrl(
  provider: Exclude<DatabaseProvider, 'sqlite'>,
  rest: string,
  url: string,
): ParsedDatabaseUrl {
  const redacted = redactDatabaseUrl(url);
  if (!rest.startsWith('//')) {
    throw invalid(
      `The database URL "${redacted}" must start with ${provider}:// followed by the host, e.g. ` +
        `${provider}://user@127.0.0.1:${defaultPorts[provider]}/database.`,
      url,
    );
  }
  const body = rest.slice(2);
  const queryStart = body.indexOf('?');
  const beforeQuery = queryStart === -1 ? body : body.slice(0, queryStart);
  const params = parseQuery(queryStart === -1 ? '' : body.slice(queryStart + 1), url);
  // Everything up to the last "@" is userinfo, so an unencoded "@" in a password still parses.
  const at = beforeQuery.lastIndexOf('@');
  const userInfo = at === -1 ? '' : beforeQuery.slice(0, at);
  const hostAndPath = at === -1 ? beforeQuery : beforeQuery.slice(at + 1);
  const slash = hostAndPath.indexOf('/');
  const hostPort = slash === -1 ? hostAndPath : hostAndPath.slice(0, slash);
  const database = decode(slash === -1 ? '' : hostAndPath.slice(slash + 1), url);

  const parsed: ParsedDatabaseUrl = { provider, params, redacted };
  if (userInfo !== '') {
    const colon = userInfo.indexOf(':');
    parsed.user = decode(colon === -1 ? userInfo : userInfo.slice(0, colon), url);
    if (colon !== -1) parsed.password = decode(userInfo.slice(colon + 1), url);
  }
  const { host, port } = splitHostPort(hostPort, url, redacted);
  const socketParam = takeParam(
    params,
    provider === 'postgresql' ? ['host'] : ['unix_socket', 'socket'],
  );
  if (host !== undefined && host.startsWith('/')) {
    parsed.socketPath = host; // libpq form: postgresql://%2Fvar%2Frun%2Fpostgresql/db
  } else if (socketParam !== undefined && socketParam.startsWith('/')) {
    parsed.socketPath = socketParam;
  } else if (socketParam !== undefined && host === undefined) {
    parsed.host = socketParam;
  }
  if (parsed.socketPath === undefined && parsed.host === undefined)
    parsed.host = host ?? 'localhost';
  const portParam = takeParam(params, ['port']);
  parsed.port =
    port ??
    (portParam !== undefined ? parsePort(portParam, url, redacted) : defaultPorts[provider]);
  if (parsed.user === undefined) {
    const user = takeParam(params, ['user', 'username']);
    if (user !== undefined) parsed.user = user;
  }
  if (parsed.password === undefined) {
    const password = takeParam(params, ['password']);
    if (password !== undefined) parsed.password = password;
  }
  const databaseParam = takeParam(params, ['dbname', 'database']);
  const databaseName = database !== '' ? database : databaseParam;
  if (databaseName === undefined || databaseName === '') {
    throw invalid(
      `The database URL "${redacted}" names no database. Add it after the host, e.g. ` +
        `${provider}://user@${parsed.host ?? 'localhost'}:${parsed.port}/agent_mesh.`,
      url,
    );
  }
  parsed.database = databaseName;
  return parsed;
}

function splitHostPort(
  hostPort: string,
  url: string,
  redacted: string,
): { host?: string; port?: number } {
  if (hostPort === '') return {};
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']');
    if (close === -1)
      throw invalid(`The database URL "${redacted}" has an unclosed IPv6 "[".`, url);
    const after = hostPort.slice(close + 1);
    const host = hostPort.slice(1, close);
    if (after === '') return { host };
    if (!after.startsWith(':'))
      throw invalid(`The database URL "${redacted}" has a malformed host.`, url);
    return { host, port: parsePort(after.slice(1), url, redacted) };
  }
  if (hostPort.includes(',')) {
    throw invalid(
      `The database URL "${redacted}" lists several hosts; agent-mesh connects to one. ` +
        `Put a load balancer or a single primary in the URL.`,
      url,
    );
  }
  const colon = hostPort.lastIndexOf(':');
  if (colon === -1) return { host: decode(hostPort, url) };
  const host = decode(hostPort.slice(0, colon), url);
  const port = parsePort(hostPort.slice(colon + 1), url, redacted);
  return host === '' ? { port } : { host, port };
}

function parsePort(text: string, url: string, redacted: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) {
    throw invalid(
      `The database URL "${redacted}" has an invalid port "${text}" (expected 1-65535).`,
      url,
    );
  }
  return port;
}

function parseQuery(query: string, url: string): Record<string, string> {
  const params: Record<string, string> = {};
  if (query === '') return params;
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const key = decode(equals === -1 ? pair : pair.slice(0, equals), url);
    params[key] = decode(equals === -1 ? '' : pair.slice(equals + 1).replace(/\+/g, ' '), url);
  }
  return params;
}

function takeParam(params: Record<string, string>, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = params[name];
    if (value !== undefined) {
      delete params[name];
      return value;
    }
  }
  return undefined;
}

function decode(text: string, url: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw invalid(
      `The database URL "${redactDatabaseUrl(url)}" has a malformed percent-escape; encode "%" as %25.`,
      url,
    );
  }
}

function invalid(message: string, url: string): MeshError {
  return new MeshError('DATABASE_URL_INVALID', message, {
    url: url === '' ? '' : redactDatabaseUrl(url),
  });
}
