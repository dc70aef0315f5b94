import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { APICallError } from '@ai-sdk/provider';
import { generateText, RetryError, streamText, type LanguageModel } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isContextOverflowError } from './is-context-overflow-error.js';

/**
 * The error bodies below are written as each provider sends them (wording, field names and nesting taken
 * from their API references and from errors users reported verbatim; each provider's envelope is built by
 * one helper, e.g. anthropicReply); they are served over a real socket
 * and parsed by the real AI SDK provider packages, so the classifier sees exactly what the runner will.
 */

interface Reply {
  status: number;
  body: string;
  contentType?: string;
}

let server: Server;
let baseUrl: string;
let nextReply: Reply = { status: 500, body: '{}' };

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(nextReply.status, {
        'content-type': nextReply.contentType ?? 'application/json',
      });
      response.end(nextReply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

type ProviderName =
  'openai-chat' | 'openai-responses' | 'anthropic' | 'google' | 'openai-compatible';

function modelFor(provider: ProviderName): LanguageModel {
  switch (provider) {
    case 'openai-chat':
      return createOpenAI({ baseURL: `${baseUrl}/v1`, apiKey: 'sk-test' }).chat('gpt-4o-mini');
    case 'openai-responses':
      return createOpenAI({ baseURL: `${baseUrl}/v1`, apiKey: 'sk-test' }).responses('gpt-5');
    case 'anthropic':
      return createAnthropic({ baseURL: `${baseUrl}/v1`, apiKey: 'sk-ant-test' })(
        'claude-sonnet-4-5',
      );
    case 'google':
      return createGoogleGenerativeAI({ baseURL: `${baseUrl}/v1beta`, apiKey: 'g-test' })(
        'gemini-2.5-flash',
      );
    case 'openai-compatible':
      return createOpenAICompatible({
        name: 'local',
        baseURL: `${baseUrl}/v1`,
        apiKey: 'x',
      }).chatModel('local-model');
  }
}

/** Calls the model through the AI SDK and returns what it threw. */
async function errorFrom(provider: ProviderName, reply: Reply, prompt = 'hello'): Promise<unknown> {
  nextReply = reply;
  try {
    await generateText({ model: modelFor(provider), prompt, maxRetries: 0 });
  } catch (error) {
    return error;
  }
  throw new Error('the call was expected to fail');
}

/** Streams from the model and returns the error the stream reported (as the runner's onError sees it). */
async function streamErrorFrom(provider: ProviderName, sse: string): Promise<unknown> {
  nextReply = { status: 200, body: sse, contentType: 'text/event-stream' };
  const errors: unknown[] = [];
  const result = streamText({
    model: modelFor(provider),
    prompt: 'hello',
    maxRetries: 0,
    onError: ({ error }) => {
      errors.push(error);
    },
  });
  for await (const part of result.fullStream) {
    if (part.type === 'error') errors.push(part.error);
  }
  expect(errors.length).toBeGreaterThan(0);
  return errors[0];
}

function json(value: unknown): string {
  return JSON.stringify(value);
}

/** `{ error: {…} }`: OpenAI's error envelope, which most OpenAI-compatible servers copy. */
function errorReply(status: number, error: Record<string, unknown>): Reply {
  return { status, body: json({ error }) };
}

/** OpenAI's context_length_exceeded error (chat completions, Responses API, Azure). */
function openAiOverflowReply(message: string, param = 'messages'): Reply {
  return errorReply(400, {
    message,
    type: 'invalid_request_error',
    param,
    code: 'context_length_exceeded',
  });
}

/** Anthropic's envelope: `{ type: 'error', error: { type, message } }`. */
function anthropicReply(
  status: number,
  type: string,
  message: string,
  extra: Record<string, unknown> = {},
): Reply {
  return { status, body: json({ type: 'error', error: { type, message }, ...extra }) };
}

/** Gemini's 400 INVALID_ARGUMENT error. */
function googleReply(message: string): Reply {
  return errorReply(400, { code: 400, message, status: 'INVALID_ARGUMENT' });
}

/** vLLM's older top-level error object (no `error` wrapper). */
function vllmReply(message: string): Reply {
  return {
    status: 400,
    body: json({ object: 'error', message, type: 'BadRequestError', param: null, code: 400 }),
  };
}

function sse(...events: { event?: string; data: unknown }[]): string {
  return events
    .map(
      ({ event, data }) =>
        `${event === undefined ? '' : `event: ${event}\n`}data: ${json(data)}\n\n`,
    )
    .join('');
}

describe('isContextOverflowError on provider responses', () => {
  const overflows: {
    name: string;
    provider: ProviderName;
    reply: Reply;
    source: string;
    limit?: number;
    requested?: number;
  }[] = [
    {
      name: 'OpenAI chat completions: context_length_exceeded with "your messages resulted in"',
      provider: 'openai-chat',
      reply: openAiOverflowReply(
        "This model's maximum context length is 128000 tokens. However, your messages resulted in 204308 tokens. Please reduce the length of the messages.",
      ),
      source: 'openai',
      limit: 128000,
      requested: 204308,
    },
    {
      name: 'OpenAI chat completions: "you requested" (messages + completion)',
      provider: 'openai-chat',
      reply: openAiOverflowReply(
        "This model's maximum context length is 4097 tokens. However, you requested 4120 tokens (3120 in the messages, 1000 in the completion). Please reduce the length of the messages or completion.",
      ),
      source: 'openai',
      limit: 4097,
      requested: 4120,
    },
    {
      name: 'OpenAI Responses API: input exceeds the context window',
      provider: 'openai-responses',
      reply: openAiOverflowReply(
        'Your input exceeds the context window of this model. Please adjust your input and try again.',
        'input',
      ),
      source: 'openai-responses',
    },
    {
      name: 'Anthropic: prompt is too long',
      provider: 'anthropic',
      reply: anthropicReply(
        400,
        'invalid_request_error',
        'prompt is too long: 208310 tokens > 200000 maximum',
        { request_id: 'req_011CVQe1dLrGNMJyE1ghG1av' },
      ),
      source: 'anthropic',
      limit: 200000,
      requested: 208310,
    },
    {
      name: 'Anthropic: input length and max_tokens exceed context limit',
      provider: 'anthropic',
      reply: anthropicReply(
        400,
        'invalid_request_error',
        'input length and `max_tokens` exceed context limit: 189136 + 20000 > 204648, decrease input length or `max_tokens` and try again',
      ),
      source: 'anthropic',
      limit: 204648,
      requested: 209136,
    },
    {
      name: 'Google Gemini: input token count exceeds the maximum (INVALID_ARGUMENT)',
      provider: 'google',
      reply: googleReply(
        'The input token count (1200293) exceeds the maximum number of tokens allowed (1048576).',
      ),
      source: 'google',
      limit: 1048576,
      requested: 1200293,
    },
    {
      name: 'Google Gemini 2.5: the wording without the input count',
      provider: 'google',
      reply: googleReply(
        'The input token count exceeds the maximum number of tokens allowed (1048576).',
      ),
      source: 'google',
      limit: 1048576,
    },
    {
      name: 'vLLM (top-level error object): maximum context length, you requested',
      provider: 'openai-compatible',
      reply: vllmReply(
        "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens (4000 in the messages, 1000 in the completion). Please reduce the length of the messages or completion.",
      ),
      source: 'vllm',
      limit: 4096,
      requested: 5000,
    },
    {
      name: 'vLLM (nested error object, newer servers): input tokens',
      provider: 'openai-compatible',
      reply: errorReply(400, {
        message:
          "'max_tokens' or 'max_completion_tokens' is too large: 1024. This model's maximum context length is 4096 tokens and your request has 3500 input tokens (1024 > 4096 - 3500).",
        type: 'BadRequestError',
        param: null,
        code: 400,
      }),
      source: 'vllm',
      limit: 4096,
      requested: 3500,
    },
    {
      name: 'vLLM: prompt is longer than the maximum model length',
      provider: 'openai-compatible',
      reply: vllmReply(
        'The decoder prompt (length 5016) is longer than the maximum model length of 4096. Make sure that `max_model_len` is no smaller than the number of text tokens.',
      ),
      source: 'vllm',
      limit: 4096,
      requested: 5016,
    },
    {
      name: 'Ollama (OpenAI-compatible endpoint): the input length exceeds the context length',
      provider: 'openai-compatible',
      reply: errorReply(400, {
        message: 'the input length exceeds the context length',
        type: 'api_error',
        param: null,
        code: null,
      }),
      source: 'ollama',
    },
    {
      name: 'Ollama (native error shape): input length exceeds maximum context length',
      provider: 'openai-compatible',
      reply: { status: 400, body: json({ error: 'input length exceeds maximum context length' }) },
      source: 'ollama',
    },
    {
      name: 'Ollama: context length exceeded',
      provider: 'openai-compatible',
      reply: { status: 500, body: json({ error: 'context length exceeded' }) },
      source: 'ollama',
    },
    {
      name: 'LiteLLM proxy: ContextWindowExceededError wrapping OpenAI',
      provider: 'openai-compatible',
      reply: errorReply(400, {
        message:
          "litellm.ContextWindowExceededError: litellm.BadRequestError: ContextWindowExceededError: OpenAIException - This model's maximum context length is 128000 tokens. However, your messages resulted in 130532 tokens. Please reduce the length of the messages.\nReceived Model Group=gpt-4o\nAvailable Model Group Fallbacks=None",
        type: null,
        param: null,
        code: '400',
      }),
      source: 'litellm',
      limit: 128000,
      requested: 130532,
    },
    {
      name: 'LiteLLM proxy: ContextWindowExceededError wrapping Anthropic',
      provider: 'openai-compatible',
      reply: errorReply(400, {
        message:
          'litellm.BadRequestError: litellm.ContextWindowExceededError: AnthropicError - {"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 209303 tokens > 200000 maximum"}}\nReceived Model Group=anthropic/claude-3-5-sonnet-20241022\nAvailable Model Group Fallbacks=None',
        type: null,
        param: null,
        code: '400',
      }),
      source: 'litellm',
      limit: 200000,
      requested: 209303,
    },
    {
      name: 'llama.cpp server: exceed_context_size_error with n_prompt_tokens and n_ctx',
      provider: 'openai-compatible',
      reply: errorReply(400, {
        code: 400,
        message: 'the request exceeds the available context size, try increasing it',
        type: 'exceed_context_size_error',
        n_prompt_tokens: 14429,
        n_ctx: 8192,
      }),
      source: 'llama.cpp',
      limit: 8192,
      requested: 14429,
    },
    {
      name: 'llama.cpp server (older builds answer 500)',
      provider: 'openai-compatible',
      reply: errorReply(500, {
        code: 500,
        message:
          'the request exceeds the available context size. try increasing the context size or enable context shift',
        type: 'exceed_context_size_error',
        n_prompt_tokens: 1407,
        n_ctx: 256,
      }),
      source: 'llama.cpp',
      limit: 256,
      requested: 1407,
    },
    {
      name: 'OpenRouter: endpoint maximum context length, requested about',
      provider: 'openai-compatible',
      reply: errorReply(400, {
        message:
          'This endpoint\'s maximum context length is 32768 tokens. However, you requested about 42832 tokens (42832 of text input). Please reduce the length of either one, or use the "middle-out" transform to compress your prompt automatically.',
        code: 400,
      }),
      source: 'openrouter',
      limit: 32768,
      requested: 42832,
    },
    {
      name: 'Azure OpenAI: input tokens exceed the configured limit',
      provider: 'openai-chat',
      reply: openAiOverflowReply(
        'Input tokens exceed the configured limit of 272000 tokens. Your messages resulted in 509178 tokens. Please reduce the length of the messages.',
      ),
      source: 'openai',
      limit: 272000,
      requested: 509178,
    },
  ];

  for (const fixture of overflows) {
    it(`recognises ${fixture.name}`, async () => {
      const error = await errorFrom(fixture.provider, fixture.reply);
      const info = isContextOverflowError(error);
      expect(info).not.toBeNull();
      expect(info?.source).toBe(fixture.source);
      expect(info?.limit).toBe(fixture.limit);
      expect(info?.requested).toBe(fixture.requested);
      expect(info?.message.length).toBeGreaterThan(0);
    });
  }

  const unrelated: { name: string; provider: ProviderName; reply: Reply }[] = [
    {
      name: 'an invalid OpenAI API key (401)',
      provider: 'openai-chat',
      reply: errorReply(401, {
        message:
          'Incorrect API key provided: sk-test. You can find your API key at https://platform.openai.com/account/api-keys.',
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      }),
    },
    {
      name: 'an invalid parameter (400)',
      provider: 'openai-chat',
      reply: errorReply(400, {
        message: "Invalid value for 'temperature': expected a decimal between 0 and 2, got 3.",
        type: 'invalid_request_error',
        param: 'temperature',
        code: 'invalid_value',
      }),
    },
    {
      name: 'max_tokens above the output limit (OpenAI)',
      provider: 'openai-chat',
      reply: errorReply(400, {
        message:
          'max_tokens is too large: 100000. This model supports at most 16384 completion tokens, whereas you provided 100000.',
        type: 'invalid_request_error',
        param: 'max_tokens',
        code: 'invalid_value',
      }),
    },
    {
      name: 'a tokens-per-minute rate limit (429)',
      provider: 'openai-chat',
      reply: errorReply(429, {
        message:
          'Request too large for gpt-4o in organization org-abc on tokens per min (TPM): Limit 30000, Requested 45000. The input or output tokens must be reduced in order to run successfully. Visit https://platform.openai.com/account/rate-limits to learn more.',
        type: 'tokens',
        param: null,
        code: 'rate_limit_exceeded',
      }),
    },
    {
      name: 'an Azure content filter (400)',
      provider: 'openai-chat',
      reply: errorReply(400, {
        message:
          "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry.",
        type: null,
        param: 'prompt',
        code: 'content_filter',
        status: 400,
      }),
    },
    {
      name: 'Anthropic max_tokens above the model output limit',
      provider: 'anthropic',
      reply: anthropicReply(
        400,
        'invalid_request_error',
        'max_tokens: 21333 > 4096, which is the maximum allowed number of output tokens for claude-3-opus-20240229',
      ),
    },
    {
      name: 'an Anthropic rate limit (429)',
      provider: 'anthropic',
      reply: anthropicReply(
        429,
        'rate_limit_error',
        'This request would exceed the rate limit for your organization of 40,000 input tokens per minute. Please reduce the prompt length or the maximum tokens requested, or try again later.',
      ),
    },
    {
      name: 'an invalid Gemini API key (400 INVALID_ARGUMENT)',
      provider: 'google',
      reply: errorReply(400, {
        code: 400,
        message: 'API key not valid. Please pass a valid API key.',
        status: 'INVALID_ARGUMENT',
        details: [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: 'API_KEY_INVALID',
            domain: 'googleapis.com',
          },
        ],
      }),
    },
    {
      name: 'a vLLM bad parameter',
      provider: 'openai-compatible',
      reply: vllmReply('max_tokens must be at least 1, got -186.'),
    },
    {
      name: 'a plain-text 502 from a proxy',
      provider: 'openai-compatible',
      reply: {
        status: 502,
        body: '<html><body>502 Bad Gateway</body></html>',
        contentType: 'text/html',
      },
    },
  ];

  for (const fixture of unrelated) {
    it(`does not take ${fixture.name} for an overflow`, async () => {
      const error = await errorFrom(fixture.provider, fixture.reply);
      expect(APICallError.isInstance(error)).toBe(true);
      expect(isContextOverflowError(error)).toBeNull();
    });
  }

  it('never reads the request: a prompt that talks about overflows does not make a 400 one', async () => {
    const error = await errorFrom(
      'openai-chat',
      {
        status: 400,
        body: json({
          error: {
            message: "Invalid value for 'top_p'.",
            type: 'invalid_request_error',
            code: 'invalid_value',
          },
        }),
      },
      "Explain context_length_exceeded: This model's maximum context length is 8192 tokens. However, you requested 9000 tokens.",
    );
    expect(isContextOverflowError(error)).toBeNull();
  });
});

describe('isContextOverflowError on stream errors', () => {
  /** The error object of a Responses API `error` stream event, field order as OpenAI sends it. */
  const responsesOverflowError = {
    type: 'invalid_request_error',
    code: 'context_length_exceeded',
    message:
      'Your input exceeds the context window of this model. Please adjust your input and try again.',
    param: 'input',
  };

  it('recognises an OpenAI chat error chunk that arrives mid-stream', async () => {
    const body =
      sse({
        data: {
          id: 'chatcmpl-1',
          object: 'chat.completion.chunk',
          created: 1,
          model: 'gpt-4o-mini',
          choices: [
            { index: 0, delta: { role: 'assistant', content: 'Hel' }, finish_reason: null },
          ],
        },
      }) +
      sse({
        data: {
          error: {
            message:
              "This model's maximum context length is 8192 tokens. However, your messages resulted in 8227 tokens. Please reduce the length of the messages.",
            type: 'invalid_request_error',
            param: 'messages',
            code: 'context_length_exceeded',
          },
        },
      }) +
      'data: [DONE]\n\n';
    const info = isContextOverflowError(await streamErrorFrom('openai-chat', body));
    expect(info).toMatchObject({ source: 'openai', limit: 8192, requested: 8227 });
  });

  it('recognises a Responses API error event', async () => {
    const body = sse(
      {
        event: 'response.created',
        data: {
          type: 'response.created',
          sequence_number: 0,
          response: {
            id: 'resp_1',
            object: 'response',
            created_at: 1,
            model: 'gpt-5',
            status: 'in_progress',
          },
        },
      },
      {
        event: 'error',
        data: {
          type: 'error',
          sequence_number: 1,
          error: responsesOverflowError,
        },
      },
    );
    const info = isContextOverflowError(await streamErrorFrom('openai-responses', body));
    expect(info).toMatchObject({ source: 'openai-responses' });
  });

  it('recognises an Anthropic error event', async () => {
    const body = sse(
      {
        event: 'message_start',
        data: {
          type: 'message_start',
          message: {
            id: 'msg_1',
            type: 'message',
            role: 'assistant',
            model: 'claude-sonnet-4-5',
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: 10, output_tokens: 1 },
          },
        },
      },
      {
        event: 'error',
        data: {
          type: 'error',
          error: {
            type: 'invalid_request_error',
            message: 'prompt is too long: 210543 tokens > 200000 maximum',
          },
        },
      },
    );
    const info = isContextOverflowError(await streamErrorFrom('anthropic', body));
    expect(info).toMatchObject({ source: 'anthropic', limit: 200000, requested: 210543 });
  });

  it('recognises an error chunk handed over as a plain object', () => {
    const chunk = {
      type: 'error',
      sequence_number: 2,
      error: responsesOverflowError,
    };
    expect(isContextOverflowError(chunk)).toMatchObject({ source: 'openai-responses' });
  });
});

describe('isContextOverflowError on wrapped errors', () => {
  const overflowBody = json({
    error: {
      code: 400,
      message:
        'The input token count (134123) exceeds the maximum number of tokens allowed (131072).',
      status: 'INVALID_ARGUMENT',
    },
  });

  function apiCallError(
    statusCode: number,
    responseBody: string,
    message = 'Bad Request',
  ): APICallError {
    return new APICallError({
      message,
      url: 'https://example.invalid/v1/chat',
      requestBodyValues: {},
      statusCode,
      responseBody,
    });
  }

  it('reads the raw responseBody when the message says nothing', () => {
    const info = isContextOverflowError(apiCallError(400, overflowBody));
    expect(info).toMatchObject({ source: 'google', limit: 131072, requested: 134123 });
  });

  it('reads through nested causes', () => {
    const inner = apiCallError(400, overflowBody);
    const outer = new Error('model call failed', {
      cause: new Error('provider error', { cause: inner }),
    });
    expect(isContextOverflowError(outer)).toMatchObject({ source: 'google', limit: 131072 });
  });

  it('reads the last error of a RetryError', () => {
    const retry = new RetryError({
      message: 'Failed after 3 attempts.',
      reason: 'maxRetriesExceeded',
      errors: [new Error('socket hang up'), apiCallError(500, overflowBody)],
    });
    expect(isContextOverflowError(retry)).toMatchObject({ source: 'google', requested: 134123 });
  });

  it('reads a JSON body embedded in a message string', () => {
    const error = new Error(
      '400 {"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 191989 tokens > 180000 maximum"}}',
    );
    expect(isContextOverflowError(error)).toMatchObject({
      source: 'anthropic',
      limit: 180000,
      requested: 191989,
    });
  });

  it('reads a plain-text body', () => {
    const error = apiCallError(
      400,
      'the request exceeds the available context size, try increasing it',
    );
    expect(isContextOverflowError(error)).toMatchObject({ source: 'llama.cpp' });
  });

  it('recognises a LiteLLM error by its class name alone', () => {
    const error = Object.assign(new Error('Received Model Group=gpt-4o'), {
      name: 'ContextWindowExceededError',
    });
    expect(isContextOverflowError(error)).toMatchObject({ source: 'litellm' });
  });

  it('ignores a rate limit even when its body quotes token numbers', () => {
    const error = apiCallError(
      429,
      json({
        error: { message: 'prompt is too long: 5 tokens > 4 maximum', code: 'rate_limit_exceeded' },
      }),
    );
    expect(isContextOverflowError(error)).toBeNull();
  });

  it('returns null for values that are not errors at all', () => {
    for (const value of [undefined, null, 42, '', 'timeout', {}, [], new Error('ECONNRESET')]) {
      expect(isContextOverflowError(value)).toBeNull();
    }
  });

  it('survives cyclic causes', () => {
    const a: Error & { cause?: unknown } = new Error('a');
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(isContextOverflowError(a)).toBeNull();
  });
});
