import { APICallError } from '@ai-sdk/provider';
import type { LanguageModelV3Middleware, LanguageModelV3StreamPart } from '@ai-sdk/provider';

/**
 * Middleware that makes every error of a streaming call arrive the same way, as an `error` stream part
 * (streamText's `onError` and `fullStream`): a bare payload a provider sends inside a 200 stream (the
 * OpenAI-style `{message, type, code}` of vLLM, LiteLLM and others) becomes an `APICallError` whose
 * `responseBody` holds the raw JSON, and a connection that dies mid-stream ends the stream with its error.
 */
export function normalizeStreamErrors(url: string): LanguageModelV3Middleware {
  return {
    specificationVersion: 'v3',
    wrapStream: async ({ doStream }) => {
      const result = await doStream();
      const reader = result.stream.getReader();
      const stream = new ReadableStream<LanguageModelV3StreamPart>({
        async pull(controller) {
          let next: Awaited<ReturnType<typeof reader.read>>;
          try {
            next = await reader.read();
          } catch (error) {
            // A connection that dies mid-reply reaches the caller as an error part, like any other error.
            controller.enqueue({ type: 'error', error });
            controller.close();
            return;
          }
          if (next.done) {
            controller.close();
            return;
          }
          const part = next.value;
          if (part.type === 'error' && !(part.error instanceof Error)) {
            controller.enqueue({ type: 'error', error: streamPayloadToError(part.error, url) });
            return;
          }
          controller.enqueue(part);
        },
        cancel(reason) {
          return reader.cancel(reason);
        },
      });
      return { ...result, stream };
    },
  };
}

/**
 * Wraps an in-stream error payload; its status is the HTTP status the payload names (a numeric `code`
 * or `status`), else 400 for `invalid_request_error` (the status OpenAI sends that type with), else 500.
 */
export function streamPayloadToError(payload: unknown, url: string): APICallError {
  const body = asRecord(payload);
  const inner = asRecord(body?.error) ?? body;
  const message =
    typeof inner?.message === 'string'
      ? inner.message
      : `The model stream failed: ${safeJson(payload)}`;
  const statusCode = statusOf(inner);
  return new APICallError({
    message,
    url,
    requestBodyValues: undefined,
    statusCode,
    responseBody: safeJson(body?.error === undefined ? { error: payload } : payload),
    isRetryable: statusCode === 408 || statusCode === 429 || statusCode >= 500,
    data: payload,
  });
}

function statusOf(error: Record<string, unknown> | undefined): number {
  for (const value of [error?.code, error?.status, error?.status_code]) {
    const number = typeof value === 'string' && /^\d{3}$/.test(value) ? Number(value) : value;
    if (typeof number === 'number' && number >= 400 && number <= 599) return number;
  }
  return error?.type === 'invalid_request_error' ? 400 : 500;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)
    : undefined;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
