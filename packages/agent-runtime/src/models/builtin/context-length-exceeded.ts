import { APICallError } from '@ai-sdk/provider';

/** The sizes behind a context overflow, all in tokens. */
export interface ContextLengthExceeded {
  contextWindow: number;
  promptTokens: number;
  /** The completion budget the request asked for, when it asked for one. */
  completionTokens?: number;
}

/**
 * Writes the body OpenAI answers with (HTTP 400) when a request does not fit the context window, with
 * the real numbers, so overflow classifiers are tested against the wording they meet in production.
 */
export function createContextLengthExceededBody(sizes: ContextLengthExceeded): string {
  const { contextWindow, promptTokens, completionTokens } = sizes;
  const message =
    completionTokens === undefined
      ? `This model's maximum context length is ${contextWindow} tokens. However, your messages ` +
        `resulted in ${promptTokens} tokens. Please reduce the length of the messages.`
      : `This model's maximum context length is ${contextWindow} tokens. However, you requested ` +
        `${promptTokens + completionTokens} tokens (${promptTokens} in the messages, ${completionTokens} ` +
        'in the completion). Please reduce the length of the messages or completion.';
  return JSON.stringify({
    error: {
      message,
      type: 'invalid_request_error',
      param: 'messages',
      code: 'context_length_exceeded',
    },
  });
}

/** Tells whether a request of these sizes overflows the window (prompt plus requested completion). */
export function exceedsContextWindow(sizes: ContextLengthExceeded): boolean {
  return sizes.promptTokens + (sizes.completionTokens ?? 0) > sizes.contextWindow;
}

/**
 * Builds the `APICallError` the AI SDK's OpenAI provider raises for that body, which the built-in
 * model throws so the runner handles its overflow exactly like a real provider's.
 */
export function createContextLengthExceededError(
  sizes: ContextLengthExceeded,
  request: { url: string; requestBodyValues: unknown },
): APICallError {
  const responseBody = createContextLengthExceededBody(sizes);
  const data = JSON.parse(responseBody) as { error: { message: string } };
  return new APICallError({
    message: data.error.message,
    url: request.url,
    requestBodyValues: request.requestBodyValues,
    statusCode: 400,
    responseHeaders: { 'content-type': 'application/json' },
    responseBody,
    isRetryable: false,
    data,
  });
}
