import { APICallError, JSONParseError, RetryError, TypeValidationError } from 'ai';
import { MeshError, isMeshError } from '@agent-mesh/shared';

/** Which model a failed call went to, for messages that say where to look. */
export interface ModelLabel {
  provider: string;
  name: string;
  baseUrl?: string;
}

function innermost(error: unknown): unknown {
  return RetryError.isInstance(error) ? error.lastError : error;
}

/** Finds a MeshError the model layer raised (e.g. its idle timeout) however the AI SDK wrapped it. */
function findMeshError(error: unknown): MeshError | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current !== undefined && current !== null && !seen.has(current)) {
    seen.add(current);
    if (isMeshError(current)) return current;
    current = RetryError.isInstance(current)
      ? current.lastError
      : current instanceof Error
        ? (current as { cause?: unknown }).cause
        : undefined;
  }
  return undefined;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const causeText =
      cause instanceof Error && !error.message.includes(cause.message) ? ` (${cause.message})` : '';
    return `${error.message}${causeText}`;
  }
  return String(error);
}

/**
 * Turns whatever a model call threw into an LLM_CALL_FAILED MeshError whose message names the model and
 * says what went wrong in words a user can act on: unreachable provider, HTTP status, unparseable reply.
 */
export function describeModelError(error: unknown, model: ModelLabel): MeshError {
  const raised = findMeshError(error);
  if (raised !== undefined) return raised;
  const label = `${model.provider}/${model.name}`;
  const where = model.baseUrl ? ` at ${model.baseUrl}` : '';
  const cause = innermost(error);
  const attempts = RetryError.isInstance(error) ? error.errors.length : 1;
  const details: Record<string, unknown> = {
    provider: model.provider,
    model: model.name,
    attempts,
  };
  if (model.baseUrl) details.baseUrl = model.baseUrl;

  if (APICallError.isInstance(cause)) {
    details.url = cause.url;
    if (cause.statusCode !== undefined) {
      details.statusCode = cause.statusCode;
      return new MeshError(
        'LLM_CALL_FAILED',
        `The model ${label}${where} answered HTTP ${cause.statusCode}: ${cause.message}` +
          (attempts > 1 ? ` (after ${attempts} attempts)` : ''),
        details,
        { cause: error },
      );
    }
    return new MeshError(
      'LLM_CALL_FAILED',
      `The model provider of ${label}${where} could not be reached: ${messageOf(cause)}` +
        (attempts > 1 ? ` (after ${attempts} attempts)` : '') +
        '. Check that it is running and that base_url is right.',
      details,
      { cause: error },
    );
  }
  if (JSONParseError.isInstance(cause) || TypeValidationError.isInstance(cause)) {
    return new MeshError(
      'LLM_CALL_FAILED',
      `The model ${label}${where} sent a response that is not valid for its API: ${messageOf(cause).slice(0, 300)}`,
      details,
      { cause: error },
    );
  }
  return new MeshError(
    'LLM_CALL_FAILED',
    `The model call to ${label}${where} failed: ${messageOf(cause)}`,
    details,
    {
      cause: error,
    },
  );
}
