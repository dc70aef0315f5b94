import { APICallError } from '@ai-sdk/provider';
import { isMeshError } from '@agent-mesh/shared';
import { generateText, streamText } from 'ai';
import type { ModelMessage } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';

import { startFakeOpenAiServer } from '../testing/fake-openai-server.js';
import type { FakeOpenAiServer, FakeOpenAiServerOptions } from '../testing/fake-openai-server.js';
import { createContextLengthExceededBody } from './builtin/context-length-exceeded.js';
import { createLanguageModel } from './create-language-model.js';
import { estimateTokens, estimateTranscriptTokens } from './estimate-tokens.js';
import { findApiCallError } from './find-api-call-error.js';
import type { ModelConfigInput } from './model-config.js';

const servers: FakeOpenAiServer[] = [];

async function fakeServer(options: FakeOpenAiServerOptions = {}): Promise<FakeOpenAiServer> {
  const server = await startFakeOpenAiServer(options);
  servers.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const system = 'You are a helpful assistant.';
const history: ModelMessage[] = [
  { role: 'user', content: 'My favorite color is blue' },
  { role: 'assistant', content: 'Got it: your favorite color is blue.' },
  { role: 'user', content: 'What is my favorite color?' },
];
const historyTokens = estimateTranscriptTokens([
  { role: 'system', content: system },
  { role: 'user', content: 'My favorite color is blue' },
  { role: 'assistant', content: 'Got it: your favorite color is blue.' },
  { role: 'user', content: 'What is my favorite color?' },
]);

/** Runs streamText like the runner does and collects text, usage and every error it reports. */
async function runStream(config: ModelConfigInput, messages: ModelMessage[] = history) {
  const errors: unknown[] = [];
  const result = streamText({
    model: createLanguageModel(config, { env: {} }),
    system,
    messages,
    maxRetries: 0,
    onError: ({ error }) => {
      errors.push(error);
    },
  });
  const deltas: string[] = [];
  for await (const part of result.fullStream) {
    if (part.type === 'text-delta') deltas.push(part.text);
  }
  const usage = errors.length === 0 ? await result.usage : undefined;
  return { deltas, text: deltas.join(''), usage, errors };
}

function expectConfigError(run: () => unknown, ...fragments: string[]): void {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(isMeshError(thrown, 'CONFIG_INVALID')).toBe(true);
  for (const fragment of fragments) expect((thrown as Error).message).toContain(fragment);
}

describe('createLanguageModel', () => {
  describe('builtin', () => {
    it('builds the recall model with the configured window and streams its answer', async () => {
      const model = createLanguageModel({
        provider: 'builtin',
        name: 'recall',
        context_window: 4096,
      });
      expect(model.provider).toBe('builtin');
      const result = await runStream({ provider: 'builtin', name: 'recall', delay_ms: 1 });
      expect(result.text).toBe('Your favorite color is blue.');
      expect(result.usage?.inputTokens).toBe(historyTokens);
    });

    it('rejects a builtin model other than recall', () => {
      expectConfigError(
        () => createLanguageModel({ provider: 'builtin', name: 'gpt-4o' }),
        '"recall"',
        '"gpt-4o"',
      );
    });
  });

  describe('API keys', () => {
    it.each([
      ['openai', 'OPENAI_API_KEY'],
      ['anthropic', 'ANTHROPIC_API_KEY'],
      ['google', 'GOOGLE_GENERATIVE_AI_API_KEY'],
    ] as const)('fails at creation when %s has no key, naming %s', (provider, variable) => {
      expectConfigError(
        () => createLanguageModel({ provider, name: 'some-model' }, { env: {} }),
        `Model provider "${provider}" needs an API key. Set ${variable} or model.api_key_env`,
      );
    });

    it('names the variable from api_key_env when that one is missing or empty', () => {
      expectConfigError(
        () =>
          createLanguageModel(
            {
              provider: 'anthropic',
              name: 'claude-sonnet-4-20250514',
              api_key_env: 'TEAM_CLAUDE_KEY',
            },
            { env: { TEAM_CLAUDE_KEY: '', ANTHROPIC_API_KEY: 'ignored' } },
          ),
        'TEAM_CLAUDE_KEY',
        'model.api_key_env',
      );
      expectConfigError(
        () =>
          createLanguageModel(
            {
              provider: 'openai-compatible',
              name: 'x',
              base_url: 'http://127.0.0.1:1/v1',
              api_key_env: 'VLLM_KEY',
            },
            { env: {} },
          ),
        'VLLM_KEY',
      );
    });

    it('builds anthropic and google models from a key in the environment', () => {
      const anthropic = createLanguageModel(
        { provider: 'anthropic', name: 'claude-sonnet-4-20250514' },
        { env: { ANTHROPIC_API_KEY: 'sk-ant-test' } },
      );
      const google = createLanguageModel(
        { provider: 'google', name: 'gemini-2.5-flash' },
        { env: { GOOGLE_GENERATIVE_AI_API_KEY: 'g-test' } },
      );
      expect([anthropic.provider, anthropic.modelId]).toEqual([
        'anthropic.messages',
        'claude-sonnet-4-20250514',
      ]);
      expect([google.provider, google.modelId]).toEqual([
        'google.generative-ai',
        'gemini-2.5-flash',
      ]);
    });

    it('sends api_key before api_key_env before the default variable', async () => {
      const server = await fakeServer();
      const env = { OPENAI_API_KEY: 'from-default', MY_KEY: 'from-named' };
      const configs: ModelConfigInput[] = [
        {
          provider: 'openai',
          name: 'gpt-4o-mini',
          base_url: server.url,
          api_key: 'from-yaml',
          api_key_env: 'MY_KEY',
        },
        { provider: 'openai', name: 'gpt-4o-mini', base_url: server.url, api_key_env: 'MY_KEY' },
        { provider: 'openai', name: 'gpt-4o-mini', base_url: server.url },
      ];
      for (const config of configs) {
        await generateText({
          model: createLanguageModel(config, { env }),
          prompt: 'hi',
          maxRetries: 0,
        });
      }
      expect(server.requests.map((request) => request.headers.authorization)).toEqual([
        'Bearer from-yaml',
        'Bearer from-named',
        'Bearer from-default',
      ]);
    });

    it('lets openai-compatible run without a key, and requires base_url', async () => {
      expectConfigError(
        () => createLanguageModel({ provider: 'openai-compatible', name: 'llama3.1' }, { env: {} }),
        'model.base_url',
      );
      const server = await fakeServer();
      await generateText({
        model: createLanguageModel(
          { provider: 'openai-compatible', name: 'llama3.1', base_url: server.url },
          { env: {} },
        ),
        prompt: 'hi',
      });
      expect(server.requests[0]?.headers.authorization).toBeUndefined();
    });
  });

  describe.each(['openai', 'openai-compatible'] as const)(
    '%s against the fake OpenAI server',
    (provider) => {
      const configFor = (
        server: FakeOpenAiServer,
        extra: Partial<ModelConfigInput> = {},
      ): ModelConfigInput => ({
        provider,
        name: 'gpt-4o-mini',
        base_url: server.url,
        api_key: 'sk-test',
        ...extra,
      });

      it('streams the recalled answer with usage over real HTTP', async () => {
        const server = await fakeServer();
        const result = await runStream(configFor(server));
        expect(result.errors).toEqual([]);
        expect(result.text).toBe('Your favorite color is blue.');
        expect(result.deltas.length).toBeGreaterThan(1);
        expect(result.usage).toMatchObject({
          inputTokens: historyTokens,
          outputTokens: estimateTokens('Your favorite color is blue.'),
          totalTokens: historyTokens + estimateTokens('Your favorite color is blue.'),
        });
        expect(server.requests[0]).toMatchObject({
          method: 'POST',
          path: '/v1/chat/completions',
          body: { model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true } },
        });
      });

      it('forgets when the fact is not in the prompt it sends', async () => {
        const server = await fakeServer();
        const result = await runStream(configFor(server), history.slice(2));
        expect(result.text).toBe("I don't know your favorite color yet.");
      });

      it('sends the configured headers, temperature and max output tokens', async () => {
        const server = await fakeServer();
        await runStream(
          configFor(server, {
            headers: { 'X-Team': 'blue' },
            temperature: 0.3,
            max_output_tokens: 77,
          }),
        );
        const request = server.requests[0];
        expect(request?.headers['x-team']).toBe('blue');
        expect(request?.body).toMatchObject({ temperature: 0.3, max_tokens: 77 });
      });

      it('surfaces the overflow as an APICallError with status 400 and the raw body', async () => {
        const server = await fakeServer({ contextWindow: 20 });
        const result = await runStream(configFor(server));
        expect(result.text).toBe('');
        expect(result.errors).toHaveLength(1);
        const error = result.errors[0];
        expect(APICallError.isInstance(error)).toBe(true);
        expect((error as APICallError).statusCode).toBe(400);
        expect((error as APICallError).responseBody).toBe(
          createContextLengthExceededBody({ contextWindow: 20, promptTokens: historyTokens }),
        );
      });

      it('surfaces an error sent inside a 200 stream as an APICallError with the raw payload', async () => {
        const payload = {
          message:
            "This model's maximum context length is 8192 tokens. However, you requested 9000 tokens.",
          type: 'BadRequestError',
          param: null,
          code: 400,
        };
        const server = await fakeServer({ failWith: { type: 'stream-error', error: payload } });
        const result = await runStream(configFor(server));
        expect(result.errors).toHaveLength(1);
        const error = findApiCallError(result.errors[0]);
        expect(error?.statusCode).toBe(400);
        // The openai provider keeps the bare frame, our middleware wraps it like an HTTP error body.
        const body = JSON.parse(error?.responseBody ?? '') as Record<string, unknown>;
        expect(provider === 'openai' ? body : body.error).toEqual(payload);
      });

      it('surfaces HTTP 500 as an APICallError carrying the body', async () => {
        const server = await fakeServer({ failWith: { type: 'status', status: 500 } });
        const result = await runStream(configFor(server));
        expect(result.errors).toHaveLength(1);
        expect((result.errors[0] as APICallError).statusCode).toBe(500);
        expect((result.errors[0] as APICallError).isRetryable).toBe(true);
        expect((result.errors[0] as APICallError).responseBody).toContain('server_error');
      });

      it('surfaces malformed JSON, an HTML page and a connection reset as errors', async () => {
        const server = await fakeServer();
        const failures = [
          { type: 'malformed-json' },
          { type: 'garbage' },
          { type: 'reset-mid-stream', afterChunks: 3 },
          { type: 'reset' },
        ] as const;
        for (const failure of failures) {
          server.setFailWith(failure);
          const streamed = await runStream(configFor(server));
          expect(streamed.errors.length, `streaming ${failure.type}`).toBeGreaterThan(0);
          const generated = await generateText({
            model: createLanguageModel(configFor(server)),
            messages: history,
            maxRetries: 0,
          }).then(
            () => undefined,
            (error: unknown) => error,
          );
          expect(generated, `generating ${failure.type}`).toBeInstanceOf(Error);
        }
        server.setFailWith({ type: 'garbage' });
        const garbage = await runStream(configFor(server));
        const apiError = findApiCallError(garbage.errors[0]);
        expect(apiError?.statusCode).toBe(200);
        expect(apiError?.responseBody).toContain('502 Bad Gateway');
      });

      it('gives up with LLM_CALL_FAILED when the server stays silent longer than timeout_ms', async () => {
        const slowStart = await fakeServer({ responseDelayMs: 400 });
        const first = await runStream(configFor(slowStart, { timeout_ms: 100 }));
        expect(isMeshError(first.errors[0], 'LLM_CALL_FAILED')).toBe(true);
        expect((first.errors[0] as Error).message).toContain('timeout_ms');

        const slowChunks = await fakeServer({ chunkDelayMs: 400 });
        const second = await runStream(configFor(slowChunks, { timeout_ms: 100 }));
        expect(second.errors.length).toBeGreaterThan(0);

        const steady = await fakeServer({ chunkDelayMs: 100 });
        const third = await runStream(configFor(steady, { timeout_ms: 400 }));
        expect(third.errors).toEqual([]);
        expect(third.text).toBe('Your favorite color is blue.');
      });
    },
  );

  it('sends anthropic and google requests to base_url with their key headers', async () => {
    const server = await fakeServer();
    const anthropic = createLanguageModel(
      {
        provider: 'anthropic',
        name: 'claude-3-5-haiku-latest',
        base_url: server.url,
        api_key: 'sk-ant-test',
      },
      { env: {} },
    );
    const google = createLanguageModel(
      { provider: 'google', name: 'gemini-2.0-flash', base_url: `${server.origin}/v1beta` },
      { env: { GOOGLE_GENERATIVE_AI_API_KEY: 'g-test' } },
    );
    for (const model of [anthropic, google]) {
      const result = await runStreamWith(model);
      // The fake speaks only OpenAI's API, so both answer 404 — after the request reached it intact.
      expect(findApiCallError(result.errors[0])?.statusCode).toBe(404);
    }
    expect(server.requests[0]).toMatchObject({
      path: '/v1/messages',
      headers: { 'x-api-key': 'sk-ant-test' },
    });
    expect(server.requests[1]).toMatchObject({
      path: '/v1beta/models/gemini-2.0-flash:streamGenerateContent',
      headers: { 'x-goog-api-key': 'g-test' },
    });
  });
});

async function runStreamWith(model: ReturnType<typeof createLanguageModel>) {
  const errors: unknown[] = [];
  const result = streamText({
    model,
    system,
    messages: history,
    maxRetries: 0,
    onError: ({ error }) => void errors.push(error),
  });
  for await (const part of result.fullStream) void part;
  return { errors };
}
