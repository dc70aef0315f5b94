import { APICallError } from '@ai-sdk/provider';
import { RetryError } from 'ai';
import { describe, expect, it } from 'vitest';

import { findApiCallError } from './find-api-call-error.js';

const apiError = new APICallError({
  message: 'Bad request',
  url: 'http://127.0.0.1/v1/chat/completions',
  requestBodyValues: {},
  statusCode: 400,
  responseBody: '{"error":{"code":"context_length_exceeded"}}',
});

describe('findApiCallError', () => {
  it('finds the error itself, the last attempt of a RetryError, and a cause', () => {
    const first = new APICallError({
      message: 'first',
      url: 'x',
      requestBodyValues: {},
      statusCode: 503,
    });
    const retry = new RetryError({
      message: 'Failed after 2 attempts',
      reason: 'maxRetriesExceeded',
      errors: [first, apiError],
    });
    expect(findApiCallError(apiError)).toBe(apiError);
    expect(findApiCallError(retry)).toBe(apiError);
    expect(findApiCallError(new Error('wrapped', { cause: retry }))).toBe(apiError);
  });

  it('returns undefined when no APICallError is inside, even for a cause cycle', () => {
    const cyclic = new Error('a');
    const other = new Error('b', { cause: cyclic });
    (cyclic as { cause?: unknown }).cause = other;
    expect(findApiCallError(cyclic)).toBeUndefined();
    expect(findApiCallError('text')).toBeUndefined();
    expect(findApiCallError(undefined)).toBeUndefined();
  });
});
