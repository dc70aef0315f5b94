import { APICallError, JSONParseError, RetryError } from 'ai';
import { describe, expect, it } from 'vitest';
import { MeshError } from '@agent-mesh/shared';
import { describeModelError } from './describe-model-error.js';

const model = { provider: 'openai-compatible', name: 'fake', baseUrl: 'http://127.0.0.1:9/v1' };

function apiError(statusCode?: number): APICallError {
  return new APICallError({
    message:
      statusCode === undefined
        ? 'Cannot connect to API: connect ECONNREFUSED'
        : 'Service Unavailable',
    url: 'http://127.0.0.1:9/v1/chat/completions',
    requestBodyValues: {},
    ...(statusCode === undefined ? {} : { statusCode }),
    isRetryable: true,
  });
}

describe('describeModelError', () => {
  it('says an unreachable provider could not be reached, after how many attempts, and where', () => {
    const error = new RetryError({
      message: 'failed',
      reason: 'maxRetriesExceeded',
      errors: [apiError(), apiError(), apiError()],
    });
    const described = describeModelError(error, model);
    expect(described.code).toBe('LLM_CALL_FAILED');
    expect(described.message).toBe(
      'The model provider of openai-compatible/fake at http://127.0.0.1:9/v1 could not be reached: ' +
        'Cannot connect to API: connect ECONNREFUSED (after 3 attempts). Check that it is running and that base_url is right.',
    );
    expect(described.details).toMatchObject({ attempts: 3, baseUrl: 'http://127.0.0.1:9/v1' });
  });

  it('names the HTTP status a provider answered with', () => {
    const described = describeModelError(apiError(503), model);
    expect(described.message).toContain('answered HTTP 503: Service Unavailable');
    expect(described.details.statusCode).toBe(503);
  });

  it('says a response could not be understood', () => {
    const described = describeModelError(
      new JSONParseError({ text: '<html>', cause: new Error('Unexpected token <') }),
      model,
    );
    expect(described.message).toMatch(/sent a response that is not valid for its API/);
  });

  it('keeps a MeshError the model layer raised, however it was wrapped', () => {
    const timeout = new MeshError('LLM_CALL_FAILED', 'Model "fake" sent nothing for 5000 ms.');
    const wrapped = new APICallError({
      message: 'Cannot connect',
      url: 'x',
      requestBodyValues: {},
      cause: timeout,
    });
    expect(describeModelError(wrapped, model)).toBe(timeout);
  });
});
