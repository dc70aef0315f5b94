import { APICallError } from '@ai-sdk/provider';
import { MeshError } from '@agent-mesh/shared';

/** How a model's HTTP calls are guarded. */
export interface ModelFetchOptions {
  /** Longest silence allowed: before the response headers, and between two body chunks. */
  timeoutMs: number;
  /** Named in error messages. */
  modelName: string;
}

/** Most of a wrong-content-type body kept for the error (HTML error pages can be large). */
const maxKeptBodyChars = 64 * 1024;

/**
 * Wraps `fetch` for a model provider: the call fails with LLM_CALL_FAILED when the provider sends
 * nothing for `timeoutMs` (a long reply that keeps streaming is never cut off), and a streaming request
 * answered with something other than an event stream (an HTML page from a proxy, a JSON error sent with
 * HTTP 200) fails as an `APICallError` carrying that body instead of ending as an empty reply.
 */
export function createModelFetch(
  baseFetch: typeof fetch,
  options: ModelFetchOptions,
): typeof fetch {
  const { timeoutMs, modelName } = options;
  return async (input, init) => {
    const controller = new AbortController();
    const outer = init?.signal ?? undefined;
    const onOuterAbort = (): void => controller.abort(outer?.reason);
    if (outer?.aborted) controller.abort(outer.reason);
    outer?.addEventListener('abort', onOuterAbort, { once: true });

    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        controller.abort(
          new MeshError(
            'LLM_CALL_FAILED',
            `Model "${modelName}" sent nothing for ${timeoutMs} ms; the call was abandoned. ` +
              'Raise model.timeout_ms if the provider is slow to answer.',
            { model: modelName, timeoutMs },
          ),
        );
      }, timeoutMs);
      // A finished or abandoned call must not keep the process alive.
      timer.unref();
    };
    const disarm = (): void => {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuterAbort);
    };

    arm();
    let response: Response;
    try {
      response = await baseFetch(input, { ...init, signal: controller.signal });
    } catch (error) {
      disarm();
      throw error;
    }
    if (response.body === null) {
      disarm();
      return response;
    }
    const url = requestUrl(input);
    const contentType = response.headers.get('content-type');
    if (
      response.ok &&
      isStreamingRequest(url, init) &&
      contentType !== null &&
      !contentType.includes('event-stream')
    ) {
      let responseBody: string;
      try {
        responseBody = (await response.text()).slice(0, maxKeptBodyChars);
      } finally {
        disarm();
      }
      throw new APICallError({
        message: `Model "${modelName}" answered a streaming request with ${contentType} instead of an event stream.`,
        url,
        requestBodyValues: undefined,
        statusCode: response.status,
        responseHeaders: Object.fromEntries(response.headers),
        responseBody,
        isRetryable: false,
      });
    }

    arm();
    const body = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, streamController) {
          arm();
          streamController.enqueue(chunk);
        },
        flush() {
          disarm();
        },
      }),
    );
    return new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

function requestUrl(input: Parameters<typeof fetch>[0]): string {
  if (typeof input === 'string') return input;
  return input instanceof URL ? input.href : input.url;
}

/** OpenAI-style APIs say `"stream": true` in the body; Google asks for SSE with `alt=sse`. */
function isStreamingRequest(url: string, init: RequestInit | undefined): boolean {
  if (/[?&]alt=sse\b/.test(url)) return true;
  return typeof init?.body === 'string' && /"stream"\s*:\s*true/.test(init.body);
}
