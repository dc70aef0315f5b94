import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { ApiClient } from '../../packages/gateway/src/testing/test-gateway.js';
import { TaskSocketClient } from '../../packages/gateway/src/testing/task-socket-client.js';
import { readAgentSessions, stopMeshProcesses } from '../e2e/helpers/index.js';
import {
  createSession,
  getTask,
  readHistory,
  sendMessage,
  waitForFinalTask,
} from './helpers/chat.js';
import { writeFigures } from './helpers/figures.js';
import { countGatewayRows } from './helpers/gateway-database.js';
import { sendRaw, type RawResponse } from './helpers/raw-http.js';
import { startReliabilityMesh, type ReliabilityMesh } from './helpers/reliability-mesh.js';
import { fullMode } from './helpers/reliability-mode.js';

// Hostile input against a running gateway (with its agent): each request gets the status docs/api.md
// documents, nothing is stored that should not be, and the gateway keeps serving. Text that looks like
// SQL or HTML, and exotic Unicode, is stored and returned byte for byte.

interface HostileRequest {
  name: string;
  method: string;
  /** Path under the gateway, exactly as sent (no normalisation). */
  path: string;
  body?: string | Buffer;
  contentType?: string;
  status: number;
  code?: string;
  /** A fragment the error message must contain. */
  message?: string | RegExp;
}

const base64 = (value: string): string => Buffer.from(value).toString('base64url');

/** The hostile requests, built from the ids of the setup (own and foreign sessions and tasks). */
function hostileRequests(ids: {
  session: string;
  task: string;
  foreignSession: string;
  foreignTask: string;
}): HostileRequest[] {
  const sessions = '/api/v1/sessions';
  const messages = `${sessions}/${ids.session}/messages`;
  const feedback = `/api/v1/tasks/${ids.task}/feedback`;
  const json = (value: unknown): string => JSON.stringify(value);
  /** A request builder expecting the answer `status` with error `code` (and `message`, when given). */
  const answered =
    (status: number, code: string, expected?: string | RegExp) =>
    (
      name: string,
      method: string,
      path: string,
      body?: string | Buffer,
      message = expected,
    ): HostileRequest => ({
      name,
      method,
      path,
      ...(body !== undefined ? { body } : {}),
      status,
      code,
      ...(message ? { message } : {}),
    });
  const invalid = answered(400, 'REQUEST_INVALID');
  const noRoute = answered(404, 'REQUEST_INVALID', /no API route/);
  const sessionNotFound = answered(404, 'SESSION_NOT_FOUND');
  const taskNotFound = answered(404, 'TASK_NOT_FOUND');
  const twoMegabytes = 'x'.repeat(2 * 1024 * 1024);
  const requests: HostileRequest[] = [
    // Bodies that are not JSON, or not the JSON a route takes.
    invalid('truncated JSON', 'POST', sessions, '{"agent":', /not valid JSON/),
    invalid('not JSON at all', 'POST', sessions, 'agent=assistant', /not valid JSON/),
    invalid('trailing comma', 'POST', messages, '{"text":"hi",}', /not valid JSON/),
    invalid('JSON null', 'POST', sessions, 'null', /not valid JSON/),
    invalid('JSON string', 'POST', messages, '"hello"', /not valid JSON/),
    invalid('JSON array', 'POST', sessions, '[]', /body must be object/),
    invalid('JSON number', 'POST', feedback, '42', /not valid JSON/),
    {
      ...invalid('JSON sent as text/plain', 'POST', messages, json({ text: 'hi' })),
      contentType: 'text/plain',
      message: /needs a JSON body/,
    },
    invalid(
      'invalid UTF-8 bytes',
      'POST',
      messages,
      Buffer.from([0x7b, 0x22, 0x74, 0x65, 0x78, 0x74, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
      /not valid UTF-8/,
    ),
    {
      ...invalid('unsupported charset', 'POST', sessions, json({ agent: 'assistant' })),
      contentType: 'application/json; charset=latin1',
      message: /charset/i,
    },
    // Wrong types, missing and unknown fields.
    invalid(
      'agent is a number',
      'POST',
      sessions,
      json({ agent: 123 }),
      /body\.agent must be string/,
    ),
    invalid('name is an object', 'POST', sessions, json({ agent: 'assistant', name: {} })),
    invalid('text is a number', 'POST', messages, json({ text: 42 }), /body\.text must be string/),
    invalid('text is a list', 'POST', messages, json({ text: ['a'] })),
    invalid(
      'clientMessageId is a number',
      'POST',
      messages,
      json({ text: 'hi', clientMessageId: 5 }),
    ),
    invalid('name is a number', 'PATCH', `${sessions}/${ids.session}`, json({ name: 7 })),
    invalid(
      'rating not in the enum',
      'POST',
      feedback,
      json({ rating: 'meh' }),
      /must be one of: up, down/,
    ),
    invalid('rating is a boolean', 'POST', feedback, json({ rating: true })),
    invalid('comment is a number', 'POST', feedback, json({ rating: 'up', comment: 5 })),
    invalid('no agent', 'POST', sessions, json({}), /must have the property "agent"/),
    invalid('no text', 'POST', messages, json({}), /must have the property "text"/),
    invalid('no name', 'PATCH', `${sessions}/${ids.session}`, json({})),
    invalid('no rating', 'POST', feedback, json({})),
    invalid('empty text', 'POST', messages, json({ text: '' })),
    invalid(
      'misspelt property',
      'POST',
      sessions,
      json({ agent: 'assistant', nmae: 'x' }),
      /"nmae"/,
    ),
    invalid('__proto__ property', 'POST', messages, '{"text":"hi","__proto__":{"polluted":true}}'),
    invalid('blank name', 'PATCH', `${sessions}/${ids.session}`, json({ name: ' \t\n ' }), /blank/),
    invalid(
      'name of 201 characters',
      'POST',
      sessions,
      json({ agent: 'assistant', name: 'n'.repeat(201) }),
    ),
    {
      name: 'unknown agent',
      method: 'POST',
      path: sessions,
      body: json({ agent: 'no-such-agent' }),
      status: 400,
      code: 'AGENT_NOT_FOUND',
    },
    {
      name: 'agent name with SQL',
      method: 'POST',
      path: sessions,
      body: json({ agent: "assistant'; DROP TABLE sessions; --" }),
      status: 400,
      code: 'AGENT_NOT_FOUND',
    },
    // Too large: refused before anything is parsed or stored.
    {
      name: '2 MB message',
      method: 'POST',
      path: messages,
      body: json({ text: twoMegabytes }),
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
      message: /max_body_bytes/,
    },
    {
      name: '2 MB of garbage',
      method: 'POST',
      path: sessions,
      body: twoMegabytes,
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
    },
    // Text that cannot be stored as sent (decided and documented: 400, not silently changed).
    invalid('lone high surrogate', 'POST', messages, '{"text":"a\\ud800b"}', /lone surrogate/),
    invalid('lone low surrogate', 'POST', messages, '{"text":"\\udc00"}', /lone surrogate/),
    invalid('NUL in text', 'POST', messages, '{"text":"a\\u0000b"}', /NUL/),
    invalid(
      'lone surrogate in a name',
      'PATCH',
      `${sessions}/${ids.session}`,
      '{"name":"x\\udfff"}',
      /lone surrogate/,
    ),
    invalid('NUL in a comment', 'POST', feedback, '{"rating":"up","comment":"\\u0000"}', /NUL/),
    // Ids that do not exist, are another user's, or are attacks.
    sessionNotFound(
      'SQL in a session id',
      'GET',
      `${sessions}/${encodeURIComponent("' OR '1'='1")}`,
    ),
    sessionNotFound('encoded path traversal', 'GET', `${sessions}/..%2F..%2Fetc%2Fpasswd`),
    noRoute('raw path traversal', 'GET', `${sessions}/../../../../etc/passwd`),
    sessionNotFound('NUL in a session id', 'GET', `${sessions}/%00`),
    sessionNotFound('NUL in a session id to delete', 'DELETE', `${sessions}/web-session-%00`),
    taskNotFound('task id of 10,000 characters', 'GET', `/api/v1/tasks/${'t'.repeat(10_000)}`),
    taskNotFound(
      'SQL in a task id',
      'GET',
      `/api/v1/tasks/${encodeURIComponent("'; DROP TABLE chat_tasks; --")}`,
    ),
    taskNotFound('NUL in a task id', 'POST', '/api/v1/tasks/task-%00/cancel'),
    sessionNotFound(
      'unknown session',
      'GET',
      `${sessions}/web-session-00000000-0000-4000-8000-000000000000`,
    ),
    sessionNotFound('foreign session', 'GET', `${sessions}/${ids.foreignSession}`),
    sessionNotFound('foreign session history', 'GET', `${sessions}/${ids.foreignSession}/messages`),
    sessionNotFound(
      'message to a foreign session',
      'POST',
      `${sessions}/${ids.foreignSession}/messages`,
      json({ text: 'mine now' }),
    ),
    sessionNotFound(
      'rename a foreign session',
      'PATCH',
      `${sessions}/${ids.foreignSession}`,
      json({ name: 'taken' }),
    ),
    sessionNotFound('delete a foreign session', 'DELETE', `${sessions}/${ids.foreignSession}`),
    taskNotFound('foreign task', 'GET', `/api/v1/tasks/${ids.foreignTask}`),
    taskNotFound(
      'feedback on a foreign task',
      'POST',
      `/api/v1/tasks/${ids.foreignTask}/feedback`,
      json({ rating: 'down' }),
    ),
    taskNotFound('retry a foreign task', 'POST', `/api/v1/tasks/${ids.foreignTask}/retry`),
    taskNotFound('cancel a foreign task', 'POST', `/api/v1/tasks/${ids.foreignTask}/cancel`),
    sessionNotFound(
      'SQL after a real session id',
      'GET',
      `${sessions}/${ids.session}${encodeURIComponent("' OR 1=1 --")}/messages`,
    ),
    // Query parameters.
    invalid(
      'limit far too large',
      'GET',
      `${sessions}?limit=1000000`,
      undefined,
      /"limit" must be an integer from 1 to 100/,
    ),
    invalid('negative limit', 'GET', `${sessions}?limit=-1`),
    invalid('limit not a number', 'GET', `${sessions}?limit=abc`),
    invalid('limit beyond 2^64', 'GET', `${sessions}?limit=99999999999999999999`),
    invalid('limit in exponent form', 'GET', `${sessions}?limit=1e3`),
    invalid(
      'limit given twice',
      'GET',
      `${sessions}?limit=1&limit=2`,
      undefined,
      /"limit" must be an integer/,
    ),
    invalid('history limit too large', 'GET', `${messages}?limit=100000`),
    invalid('garbage cursor', 'GET', `${sessions}?cursor=garbage`, undefined, /not a cursor/),
    invalid('cursor of the wrong shape', 'GET', `${sessions}?cursor=${base64('{"a":1}')}`),
    invalid('cursor with a bad date', 'GET', `${sessions}?cursor=${base64('["not-a-date","x"]')}`),
    invalid('8 KB before cursor', 'GET', `${messages}?before=${'A'.repeat(8192)}`),
    {
      name: 'cursor carrying SQL',
      method: 'GET',
      path: `${sessions}?cursor=${base64(`["2020-01-01T00:00:00.000Z","x' OR '1'='1"]`)}`,
      status: 200,
    },
    invalid('wait is not a boolean', 'POST', `${messages}?wait=maybe`, json({ text: 'hi' })),
    // Routes and methods that do not exist.
    noRoute('PUT on the session list', 'PUT', sessions, json({ agent: 'assistant' })),
    noRoute('DELETE on the session list', 'DELETE', sessions),
    noRoute('unknown API route', 'GET', '/api/v1/sessions-and-more'),
  ];
  return requests;
}

/** Texts that look like attacks or stress Unicode: stored and returned exactly as sent. */
const verbatimTexts = [
  "Robert'); DROP TABLE chat_tasks;--",
  "' OR '1'='1' --",
  '"; DELETE FROM sessions WHERE "1"="1',
  '<script>alert(document.cookie)</script><img src=x onerror=alert(1)>',
  '{{constructor.constructor("alert(1)")()}} ${7*7} <%= 7*7 %>',
  '../../../../etc/passwd %00 %2e%2e%2f',
  '👩🏽‍💻 👨‍👩‍👧‍👦 🏳️‍🌈 🇵🇹',
  'مرحبا بالعالم — שלום עולם ‮evil.exe‬',
  'zero\u200Bwidth\u200Cjoin\u200Dners\uFEFFand\u2060words',
  'Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇ 𠜎𠜱𠝹𠱓 ﷽',
  'tab\there\r\nnew line\u0007bell\u001b[31mred\u001b[0m',
  '{"__proto__":{"polluted":true}}',
];

describe.each(fullMode ? (['sqlite', 'postgresql'] as const) : (['postgresql'] as const))(
  'a gateway on %s given hostile input',
  (provider) => {
    let mesh: ReliabilityMesh;
    let owner: ApiClient;
    let sessionId: string;
    let taskId: string;
    let foreignSession: string;
    let foreignTask: string;
    const figures: Record<string, unknown> = {};

    beforeAll(async () => {
      mesh = await startReliabilityMesh({ provider });
      owner = mesh.newClient();
      sessionId = await createSession(owner, 'hostile');
      taskId = await sendMessage(owner, sessionId, 'My favorite color is blue');
      expect((await waitForFinalTask(owner, taskId)).status).toBe('completed');
      const other = mesh.newClient();
      foreignSession = await createSession(other, 'someone else');
      foreignTask = await sendMessage(other, foreignSession, 'My secret is 1234');
      expect((await waitForFinalTask(other, foreignTask)).status).toBe('completed');
    });
    afterAll(async () => {
      mesh?.saveLogs(`hostile-api-${provider}`);
      await stopMeshProcesses();
      await mesh?.stop();
      writeFigures(`hostile-api-${provider}`, {
        description: `hostile HTTP requests and WebSocket messages against a gateway on ${provider}`,
        ...figures,
      });
    });

    async function expectServing(): Promise<void> {
      const healthy = await fetch(`${mesh.gateway.url}/healthz`);
      expect(healthy.status).toBe(200);
      const listed = await owner.request('GET', '/api/v1/sessions');
      expect(listed.status).toBe(200);
      expect(mesh.gateway.child.exitCode).toBeNull();
    }

    it('answers every hostile request with its documented status, stores nothing and keeps serving', async () => {
      const requests = hostileRequests({
        session: sessionId,
        task: taskId,
        foreignSession,
        foreignTask,
      });
      expect(requests.length).toBeGreaterThanOrEqual(40);
      const before = await countGatewayRows(mesh.gatewayDatabase.url);
      const agentBefore = await readAgentSessions(mesh.agentDatabase.url);
      const failures: string[] = [];
      for (const item of requests) {
        let response: RawResponse;
        try {
          response = await sendRaw(mesh.gateway.url, {
            method: item.method,
            path: item.path,
            headers: {
              Cookie: owner.cookie ?? '',
              ...(item.body !== undefined
                ? { 'Content-Type': item.contentType ?? 'application/json' }
                : {}),
            },
            ...(item.body !== undefined ? { body: item.body } : {}),
          });
        } catch (error) {
          failures.push(`${item.name}: request failed: ${(error as Error).message}`);
          continue;
        }
        const error = response.json?.error as { code?: string; message?: string } | undefined;
        const problems: string[] = [];
        if (response.status !== item.status) problems.push(`status ${response.status}`);
        if (item.code !== undefined && error?.code !== item.code) {
          problems.push(`code ${error?.code}`);
        }
        if (item.status >= 400) {
          if (!response.contentType.includes('application/json')) {
            problems.push(`content type ${response.contentType}`);
          }
          if (typeof error?.message !== 'string' || error.message === '')
            problems.push('no message');
          if (/\n\s+at |node_modules|prisma\./i.test(error?.message ?? '')) {
            problems.push('internals in the message');
          }
        }
        if (item.message !== undefined && !(error?.message ?? '').match(item.message)) {
          problems.push(`message "${error?.message}"`);
        }
        if (response.text.includes('1234') || response.text.includes('root:x:0:0')) {
          problems.push('leaked data');
        }
        if (problems.length > 0) {
          failures.push(`${item.name}: ${problems.join(', ')} — ${response.text.slice(0, 300)}`);
        }
        await expectServing();
      }
      expect(failures).toEqual([]);
      expect(await countGatewayRows(mesh.gatewayDatabase.url)).toEqual(before);
      expect(await readAgentSessions(mesh.agentDatabase.url)).toEqual(agentBefore);
      const session = await owner.request('GET', `/api/v1/sessions/${sessionId}`);
      expect(session.body.name).toBe('hostile');
      Object.assign(figures, {
        hostileHttpRequests: requests.length,
        rowsAddedByHostileRequests: 0,
        statusesChecked: Object.fromEntries(
          [...new Set(requests.map((item) => item.status))].map((status) => [
            status,
            requests.filter((item) => item.status === status).length,
          ]),
        ),
      });
    });

    it('stores text that looks like SQL, HTML or exotic Unicode byte for byte and returns it so', async () => {
      const session = await createSession(owner, verbatimTexts[0]);
      expect((await owner.request('GET', `/api/v1/sessions/${session}`)).body.name).toBe(
        verbatimTexts[0],
      );
      const renamed = `"><svg onload=alert(1)> ' OR 1=1; -- 👩🏽‍💻 ‮`;
      const patched = await owner.request('PATCH', `/api/v1/sessions/${session}`, {
        name: renamed,
      });
      expect(patched.body.name).toBe(renamed);
      const tasks: string[] = [];
      for (const [index, text] of verbatimTexts.entries()) {
        const sent = await owner.request('POST', `/api/v1/sessions/${session}/messages`, {
          text,
          clientMessageId: `${text.slice(0, 20)}-${index}`,
        });
        expect(sent.status, JSON.stringify(sent.body)).toBe(202);
        tasks.push(sent.body.taskId as string);
      }
      for (const id of tasks) expect((await waitForFinalTask(owner, id)).status).toBe('completed');
      const comment = "5 stars'); DROP TABLE feedback;-- <b>bold</b> 🎉";
      const rated = await owner.request('POST', `/api/v1/tasks/${tasks[0]}/feedback`, {
        rating: 'up',
        comment,
      });
      expect(rated.body).toEqual({ taskId: tasks[0], rating: 'up', comment });

      const history = await readHistory(owner, session);
      expect(history.filter((message) => message.role === 'user').map((m) => m.text)).toEqual(
        verbatimTexts,
      );
      expect(
        history.find((message) => message.taskId === tasks[0] && message.role === 'agent'),
      ).toMatchObject({ feedback: { rating: 'up', comment } });
      // The agent got the same bytes.
      const agentSession = (await readAgentSessions(mesh.agentDatabase.url)).find(
        (item) => item.id === session,
      );
      // (The replies run concurrently, so the agent may have received them in another order.)
      expect(
        agentSession?.events
          .filter((event) => event.author === 'user')
          .map((event) => event.text)
          .sort(),
      ).toEqual([...verbatimTexts].sort());
      // And the tables the SQL strings name are still there.
      const counts = await countGatewayRows(mesh.gatewayDatabase.url);
      expect(counts.tasks).toBeGreaterThanOrEqual(tasks.length + 2);
      expect(counts.feedback).toBeGreaterThanOrEqual(1);
      await expectServing();
      Object.assign(figures, { verbatimTextsRoundTripped: verbatimTexts.length + 3 });
    });

    it('withstands WebSocket floods and malformed frames', async () => {
      const started = Date.now();
      const socket = await TaskSocketClient.open(mesh.gateway.url, owner.cookie);
      const errorsSoFar = (): number =>
        socket.messages.filter((message) => message.type === 'error').length;
      const expectError = async (frame: string | Buffer, code: string): Promise<void> => {
        const count = errorsSoFar();
        socket.socket.send(frame);
        await socket.waitFor(() => errorsSoFar() > count, 5_000);
        expect(socket.messages.filter((message) => message.type === 'error').at(-1)).toMatchObject({
          code,
        });
      };
      const malformed: Array<[string | Buffer, string]> = [
        ['this is not JSON', 'REQUEST_INVALID'],
        [Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0xff]), 'REQUEST_INVALID'],
        ['[]', 'REQUEST_INVALID'],
        ['null', 'REQUEST_INVALID'],
        ['{"type":"subscribe"}', 'REQUEST_INVALID'],
        [JSON.stringify({ type: 'subscribe', taskId, fromSeq: -1 }), 'REQUEST_INVALID'],
        [JSON.stringify({ type: 'subscribe', taskId, fromSeq: 1.5 }), 'REQUEST_INVALID'],
        [JSON.stringify({ type: 'subscribe', taskId, fromSeq: '0' }), 'REQUEST_INVALID'],
        [JSON.stringify({ type: 'explode' }), 'REQUEST_INVALID'],
        [
          JSON.stringify({ type: 'subscribe', taskId: "' OR 1=1 --", fromSeq: 0 }),
          'TASK_NOT_FOUND',
        ],
        [
          JSON.stringify({ type: 'subscribe', taskId: 'task-\u0000', fromSeq: 0 }),
          'TASK_NOT_FOUND',
        ],
        [JSON.stringify({ type: 'subscribe', taskId: foreignTask, fromSeq: 0 }), 'TASK_NOT_FOUND'],
      ];
      for (const [frame, code] of malformed) await expectError(frame, code);
      expect(socket.events(foreignTask)).toEqual([]);

      // 1,000 messages as fast as the socket takes them: every one answered, in order.
      const flood = 1_000;
      const pongsBefore = socket.messages.filter((message) => message.type === 'pong').length;
      for (let index = 0; index < flood; index += 1) socket.send({ type: 'ping' });
      await socket.waitFor(
        () =>
          socket.messages.filter((message) => message.type === 'pong').length >=
          pongsBefore + flood,
        30_000,
      );
      const errorsBefore = errorsSoFar();
      for (let index = 0; index < flood; index += 1) {
        socket.send({ type: 'subscribe', taskId: `task-unknown-${index}`, fromSeq: 0 });
      }
      await socket.waitFor(() => errorsSoFar() >= errorsBefore + flood, 30_000);
      // The socket still works: a real subscription replays the owner's task.
      socket.send({ type: 'subscribe', taskId, fromSeq: 0 });
      await socket.waitFor(
        (message) => message.type === 'task-event' && message.event.type === 'message-end',
      );
      await socket.close();

      // A frame above the 64 KiB limit closes that connection (1009) and nothing else.
      const huge = new WebSocket(`${mesh.gateway.url.replace(/^http/, 'ws')}/api/v1/ws`, {
        headers: { Cookie: owner.cookie ?? '' },
      });
      await new Promise((resolve, reject) => {
        huge.once('open', resolve);
        huge.once('error', reject);
      });
      const closed = new Promise<number>((resolve) => huge.once('close', (code) => resolve(code)));
      huge.send(JSON.stringify({ type: 'ping', padding: 'p'.repeat(128 * 1024) }));
      expect(await closed).toBe(1009);

      // Upgrades without a cookie or from a foreign page are refused.
      await expect(TaskSocketClient.open(mesh.gateway.url, undefined)).rejects.toThrow(/401/);
      await expect(
        TaskSocketClient.open(mesh.gateway.url, owner.cookie, 'https://evil.example'),
      ).rejects.toThrow(/403/);

      await expectServing();
      const again = await TaskSocketClient.open(mesh.gateway.url, owner.cookie);
      again.send({ type: 'ping' });
      await again.waitFor((message) => message.type === 'pong');
      await again.close();
      expect((await getTask(owner, taskId)).status).toBe('completed');
      Object.assign(figures, {
        malformedWebSocketFrames: malformed.length + 1,
        webSocketFloodMessages: flood * 2,
        webSocketCaseMs: Date.now() - started,
        webSocketUpgradesRefused: 2,
      });
    });
  },
);
