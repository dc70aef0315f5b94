import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpClient } from './http-client.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  return new Promise((resolve) =>
    server?.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server?.address() as AddressInfo).port}`),
    ),
  );
}

describe('HttpClient', () => {
  it('keeps the cookie a server sets and sends it back, with JSON both ways', async () => {
    const seen: (string | undefined)[] = [];
    const baseUrl = await listen((request, response) => {
      seen.push(request.headers.cookie);
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        response.setHeader('set-cookie', 'sid=abc123; Path=/; HttpOnly');
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ echo: body === '' ? null : (JSON.parse(body) as unknown) }));
      });
    });
    const client = new HttpClient(baseUrl);
    const first = await client.request('POST', '/x', { text: 'hi' });
    expect(first).toMatchObject({ status: 200, body: { echo: { text: 'hi' } } });
    await client.request('GET', '/y');
    expect(seen).toEqual([undefined, 'sid=abc123']);
    expect(client.cookieHeader()).toBe('sid=abc123');
    client.close();
  });

  it('says what came back when the status is not the expected one', async () => {
    const baseUrl = await listen((_request, response) => {
      response.statusCode = 404;
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ error: { code: 'SESSION_NOT_FOUND' } }));
    });
    const client = new HttpClient(baseUrl);
    await expect(client.expect(200, 'GET', '/sessions/x')).rejects.toThrow(
      /GET \/sessions\/x answered 404, expected 200: .*SESSION_NOT_FOUND/,
    );
    client.close();
  });
});
