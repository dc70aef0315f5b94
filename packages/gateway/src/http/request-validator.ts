import { Ajv, type ErrorObject, type JSONSchemaType } from 'ajv';
import { MeshError } from '@agent-mesh/shared';

/** One ajv instance for every request body: all errors reported, no coercion, unknown keys rejected. */
const ajv = new Ajv({ allErrors: true, strict: true, useDefaults: false, coerceTypes: false });

/** Checks a request body and returns it typed; throws REQUEST_INVALID naming each wrong field. */
export type BodyValidator<T> = (body: unknown) => T;

/**
 * Compiles a JSON Schema for a request body once; the validator throws REQUEST_INVALID with a message
 * such as `body.name must be string; body must NOT have additional property "nmae"` and the list of
 * problems in `details.problems`.
 */
export function compileBodyValidator<T>(schema: JSONSchemaType<T>): BodyValidator<T> {
  const validate = ajv.compile(schema);
  return (body) => {
    if (validate(body)) {
      const problem = findUnstorableText(body, 'body');
      if (problem) {
        throw new MeshError(
          'REQUEST_INVALID',
          `Invalid request body: ${problem.path} ${problem.message}.`,
          {
            problems: [problem],
          },
        );
      }
      return body;
    }
    const problems = (validate.errors ?? []).map(describeProblem);
    throw new MeshError(
      'REQUEST_INVALID',
      body === undefined
        ? 'The request needs a JSON body (Content-Type: application/json).'
        : `Invalid request body: ${problems.map((problem) => `${problem.path} ${problem.message}`).join('; ')}.`,
      { problems },
    );
  };
}

/**
 * Finds a string that cannot be stored as sent on every database: one with a lone UTF-16 surrogate
 * (a JSON escape such as "\ud800" that is no character; UTF-8 storage would silently replace it) or a
 * NUL character (PostgreSQL text cannot hold U+0000). Everything else is kept byte for byte.
 */
function findUnstorableText(
  value: unknown,
  path: string,
): { path: string; message: string } | undefined {
  if (typeof value === 'string') {
    if (loneSurrogate.test(value)) {
      return {
        path,
        message: 'must be valid Unicode text (it has a lone surrogate, e.g. "\\ud800")',
      };
    }
    if (value.includes('\0')) {
      return { path, message: 'must not contain NUL characters (U+0000)' };
    }
    return undefined;
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findUnstorableText(item, `${path}[${index}]`);
      if (found) return found;
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const found = findUnstorableText(item, `${path}.${key}`);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * The `verify` hook of the JSON body parser: a body declared (or defaulting to) UTF-8 that is not
 * valid UTF-8 is a 400, instead of being decoded with replacement characters and stored changed.
 */
export function rejectInvalidUtf8(
  _request: unknown,
  _response: unknown,
  buffer: Buffer,
  encoding: string,
): void {
  if (encoding.toLowerCase() !== 'utf-8') return;
  try {
    utf8.decode(buffer);
  } catch {
    throw Object.assign(new Error('The request body is not valid UTF-8.'), {
      status: 400,
      type: 'entity.verify.failed',
    });
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A high surrogate not followed by a low one, or a low surrogate not preceded by a high one. */
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function describeProblem(error: ErrorObject): { path: string; message: string } {
  const path = `body${error.instancePath.replace(/\//g, '.')}`;
  if (error.keyword === 'additionalProperties') {
    const extra = (error.params as { additionalProperty?: string }).additionalProperty;
    return { path, message: `must not have the property "${extra}"` };
  }
  if (error.keyword === 'required') {
    const missing = (error.params as { missingProperty?: string }).missingProperty;
    return { path, message: `must have the property "${missing}"` };
  }
  if (error.keyword === 'enum') {
    const allowed = (error.params as { allowedValues?: unknown[] }).allowedValues ?? [];
    return { path, message: `must be one of: ${allowed.map(String).join(', ')}` };
  }
  return { path, message: error.message ?? 'is invalid' };
}

/** Reads an integer query parameter within bounds; absent gives the default, anything else a 400. */
export function readIntegerQuery(
  value: unknown,
  name: string,
  bounds: { min: number; max: number; fallback: number },
): number {
  if (value === undefined || value === '') return bounds.fallback;
  const number = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < bounds.min || number > bounds.max) {
    throw new MeshError(
      'REQUEST_INVALID',
      `Query parameter "${name}" must be an integer from ${bounds.min} to ${bounds.max}; got "${String(value)}".`,
      { parameter: name },
    );
  }
  return number;
}

/** Reads an optional string query parameter (a repeated parameter is a 400). */
export function readStringQuery(value: unknown, name: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') {
    throw new MeshError('REQUEST_INVALID', `Query parameter "${name}" must be given once.`, {
      parameter: name,
    });
  }
  return value;
}
