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
    if (validate(body)) return body;
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
