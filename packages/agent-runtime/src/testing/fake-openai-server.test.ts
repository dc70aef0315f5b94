import { streamText, tool } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { createContextLengthExceededBody } from '../models/builtin/context-length-exceeded.js';
import { createLanguageModel } from '../models/create-language-model.js';
import { estimateTokens, estimateTranscriptTokens } from '../models/estimate-tokens.js';
import { startFakeOpenAiServer } from './fake-openai-server.js';
import type { FakeOpenAiServer, FakeOpenAiServerOptions } from './fake-openai-server.js';

const servers: FakeOpenAiServer[] = [];

async function fakeServer(options: FakeOpenAiServerOptions = {}): Promise<FakeOpenAiServer> {
  const server = await startFakeOpenAiServer(options);
  servers.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const messages = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: 'My project ID is ALPHA-789' },
  { role: 'assistant', content: 'Got it.' },
  { role: 'user', content: [{ type: 'text', text: "What's my project ID?" }] },
];
const promptTokens = estimateTranscriptTokens([
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: 'My project ID is ALPHA-789' },
  { role: 'assistant', content: 'Got it.' },
  { role: 'user', content: "What's my project ID?" },
]);
const answer = 'Your project ID is ALPHA-789.';

/** The parts of OpenAI's JSON the assertions read. */
interface WireChunk {
  object: string;
  choices: Array<{ delta: { role?: string; content?: string }; finish_reason: string | null }>;
}
interface WireCompletion {
  choices: unknown[];
}
interface WireError {
  error: Record<string, unknown>;
}

function post(
  server: FakeOpenAiServer,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${server.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Reads an SSE body into its `data:` payloads. */
async function readEvents(response: Response): Promise<string[]> {
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => block.slice('data: '.length));
}

describe('startFakeOpenAiServer', () => {
  it('answers a chat completion with the recall answer and usage', async () => {
    const server = await fakeServer();
    const response = await post(server, { model: 'gpt-4o-mini', messages });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toMatchObject({
      object: 'chat.completion',
      model: 'gpt-4o-mini',
      choices: [
        { index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' },
      ],
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: estimateTokens(answer),
        total_tokens: promptTokens + estimateTokens(answer),
      },
    });
    expect(server.requests).toMatchObject([
      { method: 'POST', path: '/v1/chat/completions', body: { messages } },
    ]);
  });

  it('streams SSE chunks word by word, a usage chunk when asked, then [DONE]', async () => {
    const server = await fakeServer();
    const response = await post(server, {
      model: 'm',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const events = await readEvents(response);
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event) as WireChunk);
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks[0]?.choices[0]?.delta).toMatchObject({ role: 'assistant', content: '' });
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe(answer);
    expect(chunks.at(-2)?.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: promptTokens, completion_tokens: estimateTokens(answer) },
    });

    const withoutUsage = await readEvents(
      await post(server, { model: 'm', messages, stream: true }),
    );
    expect(withoutUsage.some((event) => event.includes('"usage":{'))).toBe(false);
  });

  it('sends tool calls in the wire format, streamed and not, and the AI SDK reads them', async () => {
    const server = await fakeServer({
      reply: () => ({ toolCalls: [{ name: 'lookup_weather', arguments: { city: 'Paris' } }] }),
    });
    const json = (await (await post(server, { model: 'm', messages })).json()) as WireCompletion;
    expect(json.choices[0]).toMatchObject({
      finish_reason: 'tool_calls',
      message: {
        content: null,
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: { name: 'lookup_weather', arguments: '{"city":"Paris"}' },
          },
        ],
      },
    });

    const result = streamText({
      model: createLanguageModel({
        provider: 'openai-compatible',
        name: 'm',
        base_url: server.url,
      }),
      prompt: 'What is the weather in Paris?',
      tools: { lookup_weather: tool({ inputSchema: z.object({ city: z.string() }) }) },
      maxRetries: 0,
    });
    expect(await result.toolCalls).toMatchObject([
      { toolName: 'lookup_weather', input: { city: 'Paris' } },
    ]);
    expect(await result.finishReason).toBe('tool-calls');
  });

  it('returns the real overflow error computed from the request size and max_tokens', async () => {
    const server = await fakeServer({ contextWindow: promptTokens });
    const fits = await post(server, { model: 'm', messages });
    expect(fits.status).toBe(200);

    const overflow = await post(server, { model: 'm', messages, max_tokens: 5 });
    expect(overflow.status).toBe(400);
    expect(await overflow.text()).toBe(
      createContextLengthExceededBody({
        contextWindow: promptTokens,
        promptTokens,
        completionTokens: 5,
      }),
    );
    const longer = [...messages, { role: 'user', content: 'one more' }];
    const body = (await (await post(server, { model: 'm', messages: longer })).json()) as WireError;
    expect(body.error).toMatchObject({
      code: 'context_length_exceeded',
      type: 'invalid_request_error',
      param: 'messages',
    });
  });

  it('lists its model, rejects unknown routes, bad bodies and wrong keys like OpenAI', async () => {
    const server = await fakeServer({ model: 'fake-gpt', apiKey: 'sk-right' });
    const auth = { authorization: 'Bearer sk-right' };
    const models = await fetch(`${server.url}/models`, { headers: auth });
    expect(await models.json()).toMatchObject({
      object: 'list',
      data: [{ id: 'fake-gpt', object: 'model' }],
    });

    const unknown = await fetch(`${server.url}/completions`, { method: 'POST', headers: auth });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'unknown_url' } });

    const notJson = await post(server, '{"messages": [', auth);
    expect(notJson.status).toBe(400);
    const noMessages = await post(server, { model: 'm' }, auth);
    expect(await noMessages.json()).toMatchObject({
      error: { message: "Missing required parameter: 'messages'." },
    });

    const wrongKey = await post(
      server,
      { model: 'm', messages },
      { authorization: 'Bearer sk-wrong' },
    );
    expect(wrongKey.status).toBe(401);
    expect(await wrongKey.json()).toMatchObject({ error: { code: 'invalid_api_key' } });
  });

  it('fails the requests its policy picks, with the status and body given', async () => {
    const server = await fakeServer({
      failWith: (_request, index) => (index === 1 ? { type: 'status', status: 429 } : undefined),
    });
    expect((await post(server, { messages })).status).toBe(200);
    const limited = await post(server, { messages });
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({ error: { code: 'rate_limit_exceeded' } });
    expect((await post(server, { messages })).status).toBe(200);

    server.setFailWith({ type: 'status', status: 418, body: 'teapot' });
    const custom = await post(server, { messages });
    expect([custom.status, await custom.text()]).toEqual([418, 'teapot']);
  });

  it('cuts a stream after the chosen number of chunks', async () => {
    const server = await fakeServer({ failWith: { type: 'reset-mid-stream', afterChunks: 2 } });
    const response = await post(server, { messages, stream: true });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let received = '';
    const error = await (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return undefined;
        received += decoder.decode(value);
      }
    })().catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(Error);
    expect(received.split('\n\n').filter((block) => block.startsWith('data: '))).toHaveLength(2);
    expect(received).not.toContain('[DONE]');
  });

  it('waits responseDelayMs before answering', async () => {
    const server = await fakeServer({ responseDelayMs: 150 });
    const started = performance.now();
    await post(server, { messages });
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });
});
