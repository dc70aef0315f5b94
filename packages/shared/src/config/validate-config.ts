/**
 * Validates a built config value against the shipped JSON Schema with one compiled ajv validator per kind
 * (allErrors, useDefaults, coerceTypes), and turns every ajv error into a positioned, readable problem.
 */
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { ConfigKind, ConfigProblem } from './config-file.js';
import { appendPointer, displayPath, splitPointer } from './config-path.js';
import { readConfigSchema } from './config-schemas.js';
import { isWithinAny, locatePointer } from './locate-node.js';
import type { ConfigSourceMap, SourceLocation } from './locate-node.js';
import { suggestName } from './suggest-name.js';
import { checkSslParams } from '../database/connection-settings.js';
import { parseDatabaseUrl } from '../database/parse-database-url.js';
import { isMeshError } from '../errors/mesh-error.js';

/** Where validation problems are placed: the source map of the value, and pointers already reported. */
export interface ValidateConfigOptions {
  /** The file reported when a value has no recorded location (e.g. a config built in code). */
  file: string;
  sourceMap?: ConfigSourceMap;
  reported?: ReadonlySet<string>;
}

/** A problem before it is placed: the pointer it is about and whether its key or its value is at fault. */
interface Issue {
  pointer: string;
  /** Where to point: the key of `pointer`, its value, or (for a missing member) its container's key. */
  at: 'key' | 'value' | 'container';
  message: string;
  /** For an unknown key: the pointer of the known key it is probably a typo of. */
  suggests?: string;
}

const validators = new Map<ConfigKind, ValidateFunction>();

function getValidator(kind: ConfigKind): ValidateFunction {
  let validator = validators.get(kind);
  if (validator === undefined) {
    const ajv = new Ajv({
      allErrors: true,
      useDefaults: true,
      coerceTypes: true,
      verbose: true,
      allowUnionTypes: true,
      strict: true,
      // if/then branches name properties declared in the enclosing schema, which strictRequired rejects.
      strictRequired: false,
    });
    // VS Code's keyword for a readable pattern message; editors and our errors show the same text.
    ajv.addVocabulary(['patternErrorMessage']);
    validator = ajv.compile(readConfigSchema(kind));
    validators.set(kind, validator);
  }
  return validator;
}

/**
 * Validates the whole document `value` (with its top-level `agent:` or `gateway:` key) in place: fills in
 * defaults and coerces strings such as `"8000"` to the schema's types. Returns every problem, positioned.
 */
export function validateConfigValue(
  kind: ConfigKind,
  value: unknown,
  options: ValidateConfigOptions,
): ConfigProblem[] {
  const validate = getValidator(kind);
  const schema = readConfigSchema(kind);
  const issues: Issue[] = [];
  const valid = validate(value);
  for (const error of validate.errors ?? []) {
    const issue = describeError(error, schema);
    if (issue === undefined) continue;
    if (options.reported && isWithinAny(error.instancePath, options.reported)) continue;
    issues.push(issue);
  }
  issues.push(...checkDatabaseUrls(kind, value));
  if (valid) issues.push(...checkConfigRules(kind, value));
  const kept = issues.filter(
    (issue) => !(options.reported && isWithinAny(issue.pointer, options.reported)),
  );
  // A misspelt key also makes the real one "required": the "did you mean" line already says it all.
  const suggested = new Set(
    kept.flatMap((issue) => (issue.suggests === undefined ? [] : [issue.suggests])),
  );
  return kept
    .filter((issue) => !(issue.at === 'container' && suggested.has(issue.pointer)))
    .map((issue) => ({
      ...placeIssue(issue, options),
      path: displayPath(issue.pointer),
      message: issue.message,
    }));
}

function placeIssue(issue: Issue, options: ValidateConfigOptions): SourceLocation {
  const unknown = { file: options.file, line: 0, col: 0 };
  const sourceMap = options.sourceMap;
  if (sourceMap === undefined) return unknown;
  if (issue.at !== 'container') {
    return locatePointer(sourceMap, issue.pointer, issue.at) ?? unknown;
  }
  // A missing member: point at the key that holds its container, unless the container came from another
  // file (an include), where the member belongs.
  const container = issue.pointer.slice(0, issue.pointer.lastIndexOf('/'));
  const entry = sourceMap.get(container);
  if (entry?.key !== undefined && entry.key.file === entry.value.file) return entry.key;
  return locatePointer(sourceMap, container, 'value') ?? unknown;
}

/** Turns one ajv error into an issue, or undefined for errors that only repeat another (`if`). */
function describeError(error: ErrorObject, rootSchema: Record<string, unknown>): Issue | undefined {
  const params = error.params as Record<string, unknown>;
  const parentSchema = (error.parentSchema ?? {}) as Record<string, unknown>;
  const condition = describeBranchCondition(error.schemaPath, rootSchema);
  const here = error.instancePath;
  const value = (message: string): Issue => ({ pointer: here, at: 'value', message });
  if (error.propertyName !== undefined && error.keyword !== 'propertyNames') return undefined;
  switch (error.keyword) {
    case 'if':
      return undefined;
    case 'required':
      return {
        pointer: appendPointer(here, String(params.missingProperty)),
        at: 'container',
        message: `is required${condition}`,
      };
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const allowed = Object.keys((parentSchema.properties ?? {}) as Record<string, unknown>);
      const suggestion = suggestName(name, allowed);
      const hint =
        suggestion !== undefined
          ? ` (did you mean ${suggestion}?)`
          : allowed.length > 0
            ? ` (allowed: ${allowed.join(', ')})`
            : '';
      return {
        pointer: appendPointer(here, name),
        at: 'key',
        message: `is not allowed${hint}`,
        ...(suggestion === undefined ? {} : { suggests: appendPointer(here, suggestion) }),
      };
    }
    case 'not': {
      const forbidden = (error.schema as { required?: unknown } | undefined)?.required;
      if (Array.isArray(forbidden) && typeof forbidden[0] === 'string') {
        return {
          pointer: appendPointer(here, forbidden[0]),
          at: 'key',
          message: `is not allowed${condition}`,
        };
      }
      return value(`is not valid${condition}`);
    }
    case 'propertyNames': {
      const rule = (error.schema as { patternErrorMessage?: unknown } | undefined)
        ?.patternErrorMessage;
      return {
        pointer: appendPointer(here, String(params.propertyName)),
        at: 'key',
        message: `is not allowed: the key ${typeof rule === 'string' ? rule : 'has an invalid name'}`,
      };
    }
    case 'enum':
      return value(`must be one of: ${(params.allowedValues as unknown[]).map(String).join(', ')}`);
    case 'const':
      return value(`must be ${JSON.stringify(params.allowedValue)}${condition}`);
    case 'type':
      return value(`must be ${describeType(params.type)}${describeGot(error.data)}`);
    case 'minimum':
      return value(`must be at least ${String(params.limit)}${describeGot(error.data)}`);
    case 'maximum':
      return value(`must be at most ${String(params.limit)}${describeGot(error.data)}`);
    case 'exclusiveMinimum':
      return value(`must be greater than ${String(params.limit)}${describeGot(error.data)}`);
    case 'exclusiveMaximum':
      return value(`must be less than ${String(params.limit)}${describeGot(error.data)}`);
    case 'minLength':
      return value(
        params.limit === 1
          ? `must not be empty${condition}`
          : `must be at least ${String(params.limit)} characters long${condition}`,
      );
    case 'maxLength':
      return value(`must be at most ${String(params.limit)} characters long`);
    case 'minItems':
      return value(
        params.limit === 1
          ? `must list at least one item${condition}`
          : `must list at least ${String(params.limit)} items${condition}`,
      );
    case 'maxItems':
      return value(`must list at most ${String(params.limit)} items`);
    case 'pattern': {
      const readable = parentSchema.patternErrorMessage;
      // A `writeOnly` value may be a secret pasted into the wrong key (a password for its hash): never echo it.
      const got = parentSchema.writeOnly === true ? '' : describeGot(error.data);
      return value(
        `${typeof readable === 'string' ? readable : `must match the pattern ${String(params.pattern)}`}${got}`,
      );
    }
    case 'format':
      return value(`must be a valid ${String(params.format)}${describeGot(error.data)}`);
    default:
      return value(`${error.message ?? 'is not valid'}${condition}`);
  }
}

/** For an error raised inside a `then`/`else` branch, says which condition applies: ` when type is sql`. */
function describeBranchCondition(schemaPath: string, rootSchema: Record<string, unknown>): string {
  const segments = splitPointer(schemaPath.replace(/^#/, ''));
  const branchIndex = Math.max(segments.lastIndexOf('then'), segments.lastIndexOf('else'));
  if (branchIndex < 0) return '';
  const ifSchema = resolveSchemaPath(rootSchema, [...segments.slice(0, branchIndex), 'if']);
  if (ifSchema === undefined) return '';
  const parts: string[] = [];
  const properties = (ifSchema.properties ?? {}) as Record<string, { const?: unknown }>;
  for (const [name, rule] of Object.entries(properties)) {
    if (rule.const !== undefined) parts.push(`${name} is ${String(rule.const)}`);
  }
  for (const name of (ifSchema.required ?? []) as string[]) {
    if (properties[name]?.const === undefined) parts.push(`${name} is set`);
  }
  if (parts.length === 0) return '';
  return `${segments[branchIndex] === 'then' ? ' when' : ' unless'} ${parts.join(' and ')}`;
}

function resolveSchemaPath(
  root: Record<string, unknown>,
  segments: readonly string[],
): Record<string, unknown> | undefined {
  let current: unknown = root;
  for (const segment of segments) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return typeof current === 'object' && current !== null
    ? (current as Record<string, unknown>)
    : undefined;
}

const typeNames: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  object: 'a mapping (key: value pairs)',
  array: 'a list',
  null: 'empty',
};

function describeType(type: unknown): string {
  const types = String(type).split(',');
  return types.map((name) => typeNames[name] ?? name).join(' or ');
}

function describeGot(data: unknown): string {
  // A mistyped database URL may carry a password: never echo it.
  if (typeof data === 'string') return ` (got ${JSON.stringify(redactPassword(data))})`;
  if (typeof data === 'number' || typeof data === 'boolean') return ` (got ${String(data)})`;
  if (Array.isArray(data)) return ' (got a list)';
  if (typeof data === 'object' && data !== null) return ' (got a mapping)';
  return '';
}

/** Rules a JSON Schema cannot express, checked once the document is valid. */
function checkConfigRules(kind: ConfigKind, document: unknown): Issue[] {
  const issues: Issue[] = [];
  const section = (document as Record<string, Record<string, unknown>>)[kind] ?? {};
  const checkUnique = (listKey: string, items: unknown[], nameOf: (item: unknown) => string) => {
    const firstIndex = new Map<string, number>();
    items.forEach((item, index) => {
      const name = nameOf(item);
      const first = firstIndex.get(name);
      if (first === undefined) {
        firstIndex.set(name, index);
        return;
      }
      const pointer = appendPointer(appendPointer(`/${kind}`, listKey), index);
      issues.push({
        pointer: typeof item === 'string' ? pointer : appendPointer(pointer, 'name'),
        at: 'value',
        message: `repeats the name ${name} of ${listKey}[${first}]; names must be unique`,
      });
    });
  };
  if (kind === 'gateway') {
    checkUnique('agents', section.agents as unknown[], (agent) => (agent as { name: string }).name);
    const users = ((section.auth as { users?: { username: string }[] } | undefined)?.users ??
      []) as { username: string }[];
    const firstUser = new Map<string, number>();
    users.forEach((user, index) => {
      const first = firstUser.get(user.username);
      if (first === undefined) firstUser.set(user.username, index);
      else
        issues.push({
          pointer: `/gateway/auth/users/${index}/username`,
          at: 'value',
          message: `repeats the username ${user.username} of users[${first}]; usernames must be unique`,
        });
    });
  } else {
    const peers = section.peers as unknown[];
    const peerName = (peer: unknown): string =>
      typeof peer === 'string' ? peer : (peer as { name: string }).name;
    checkUnique('peers', peers, peerName);
    peers.forEach((peer, index) => {
      if (peerName(peer) !== section.name) return;
      const pointer = appendPointer('/agent/peers', index);
      issues.push({
        pointer: typeof peer === 'string' ? pointer : appendPointer(pointer, 'name'),
        at: 'value',
        message: `names the agent itself (${String(section.name)}); an agent cannot be its own peer`,
      });
    });
  }
  return issues;
}

/** Hides the password of a URL's user info: `postgres://me:secret@host` → `postgres://me:***@host`. */
function redactPassword(text: string): string {
  return text.replace(/(\/\/[^/:@\s]*:)[^@\s]*@/g, '$1***@');
}

/**
 * Database URLs are checked by the database layer's own parser, so `config check` rejects exactly what
 * start-up would (an unknown scheme, a SQLite URL with a host, …) and never echoes a password.
 */
function checkDatabaseUrls(kind: ConfigKind, document: unknown): Issue[] {
  const section = (document as Record<string, Record<string, unknown> | undefined>)[kind];
  const candidates: Array<[string, unknown]> = [
    [
      `/${kind}/session_service/database_url`,
      readPath(section, ['session_service', 'database_url']),
    ],
  ];
  if (kind === 'gateway') {
    candidates.push([
      '/gateway/platform_service/database_url',
      readPath(section, ['platform_service', 'database_url']),
    ]);
  }
  const issues: Issue[] = [];
  for (const [pointer, url] of candidates) {
    if (typeof url !== 'string' || url.trim() === '') continue;
    try {
      checkSslParams(parseDatabaseUrl(url));
    } catch (error) {
      if (!isMeshError(error, 'DATABASE_URL_INVALID')) throw error;
      issues.push({
        pointer,
        at: 'value',
        message: `is not a database URL agent-mesh can open: ${error.message}`,
      });
    }
  }
  return issues;
}

function readPath(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}
