import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '@agent-mesh/shared';
import { SqlGatewayStore } from '@agent-mesh/gateway';
import { SqlSessionService } from '@agent-mesh/agent-runtime';
import { seedGatewaySession } from '../../../gateway/src/testing/seed-gateway-sessions.js';
import { runCli } from '../run-cli.js';
import {
  runSessionsDelete,
  runSessionsExport,
  runSessionsList,
  runSessionsPrune,
  runSessionsShow,
} from './sessions.js';

const day = 86_400_000;

describe('agent-mesh sessions', () => {
  let folder: string;
  let gatewayConfig: string;
  let agentConfig: string;
  let memoryConfig: string;
  const seeded: { old: string; recent: string } = { old: '', recent: '' };

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'agent-mesh-sessions-cli-'));
    const gatewayUrl = `sqlite:///${join(folder, 'gateway.db')}`;
    const agentUrl = `sqlite:///${join(folder, 'agent.db')}`;
    gatewayConfig = join(folder, 'gateway.yaml');
    writeFileSync(
      gatewayConfig,
      `gateway:\n  port: 0\n  session_service: { type: sql, database_url: "${gatewayUrl}" }\n  agents: [{ name: assistant, url: "http://127.0.0.1:9" }]\n`,
    );
    agentConfig = join(folder, 'agent.yaml');
    writeFileSync(
      agentConfig,
      `agent:\n  name: assistant\n  port: 0\n  model: { provider: builtin, name: recall }\n  session_service: { type: sql, database_url: "${agentUrl}" }\n`,
    );
    memoryConfig = join(folder, 'memory.yaml');
    writeFileSync(
      memoryConfig,
      `agent:\n  name: forgetful\n  port: 0\n  model: { provider: builtin, name: recall }\n  session_service: { type: memory }\n`,
    );

    const gatewayDatabase = await openDatabase({ url: gatewayUrl, schema: 'gateway' });
    const store = new SqlGatewayStore(gatewayDatabase);
    seeded.old = (
      await seedGatewaySession(store, {
        userId: 'anon-old',
        lastActive: new Date(Date.now() - 40 * day),
      })
    ).session.id;
    seeded.recent = (
      await seedGatewaySession(store, { userId: 'user:ada', lastActive: new Date(), tasks: 1 })
    ).session.id;
    await store.close();

    const agentDatabase = await openDatabase({ url: agentUrl, schema: 'agent' });
    const sessions = new SqlSessionService(agentDatabase);
    const key = { appName: 'assistant', userId: 'user:ada', sessionId: seeded.recent };
    await sessions.createSession(key);
    await sessions.appendEvent(key, {
      invocationId: 'task-1',
      author: 'user',
      content: { role: 'user', parts: [{ type: 'text', text: 'My favorite color is blue' }] },
    });
    await sessions.appendEvent(key, {
      invocationId: 'task-1',
      author: 'assistant',
      content: { role: 'assistant', parts: [{ type: 'text', text: 'Noted: blue.' }] },
    });
    await agentDatabase.close();
  });

  afterAll(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it('lists gateway sessions of every user, newest first, or of one user', async () => {
    const lines = await runSessionsList({ config: gatewayConfig });
    expect(lines[0]).toMatch(/^ID\s+USER\s+AGENT\s+TASKS\s+LAST ACTIVE\s+NAME$/);
    expect(lines.slice(1).map((line) => line.split(/\s+/).slice(0, 4))).toEqual([
      [seeded.recent, 'user:ada', 'assistant', '1'],
      [seeded.old, 'anon-old', 'assistant', '2'],
    ]);
    const mine = JSON.parse(
      (await runSessionsList({ config: gatewayConfig, user: 'anon-old', json: true }))[0] ?? '',
    ) as { id: string }[];
    expect(mine.map((session) => session.id)).toEqual([seeded.old]);
    expect(await runSessionsList({ config: gatewayConfig, user: 'nobody' })).toEqual([
      expect.stringMatching(/^No sessions in the gateway database/),
    ]);
  });

  it('lists and shows agent sessions with their events', async () => {
    const lines = await runSessionsList({ config: agentConfig });
    expect(lines[1]?.split(/\s+/).slice(0, 4)).toEqual([seeded.recent, 'user:ada', '2', '-']);
    const shown = await runSessionsShow(seeded.recent, { config: agentConfig });
    expect(shown[0]).toBe(`Session ${seeded.recent} of agent "assistant"`);
    expect(shown.filter((line) => line.startsWith('#'))).toEqual([
      expect.stringMatching(/^#1 \[.*\] user: My favorite color is blue$/),
      expect.stringMatching(/^#2 \[.*\] assistant: Noted: blue\.$/),
    ]);
  });

  it('shows a gateway session as its conversation', async () => {
    const shown = await runSessionsShow(seeded.old, { config: gatewayConfig });
    expect(shown[0]).toBe(`Session ${seeded.old} "chat of anon-old"`);
    expect(shown.filter((line) => line.startsWith('['))).toEqual([
      expect.stringMatching(/\] user: question 1$/),
      expect.stringMatching(/\] assistant \(completed\) \[up\]: answer 1$/),
      expect.stringMatching(/\] user: question 2$/),
      expect.stringMatching(/\] assistant \(completed\) \[up\]: answer 2$/),
    ]);
  });

  it('exports a session as JSON to stdout or a file', async () => {
    const [json] = await runSessionsExport(seeded.old, { config: gatewayConfig, events: true });
    const exported = JSON.parse(json ?? '') as {
      kind: string;
      session: { id: string };
      tasks: { responseText: string; events: unknown[] }[];
    };
    expect(exported.kind).toBe('gateway');
    expect(exported.session.id).toBe(seeded.old);
    expect(exported.tasks.map((task) => [task.responseText, task.events.length])).toEqual([
      ['answer 1', 3],
      ['answer 2', 3],
    ]);
    const file = join(folder, 'export.json');
    const lines = await runSessionsExport(seeded.recent, { config: agentConfig, output: file });
    expect(lines).toEqual([expect.stringContaining(`to ${file}`)]);
    const written = JSON.parse(readFileSync(file, 'utf8')) as { kind: string; events: unknown[] };
    expect(written.kind).toBe('agent');
    expect(written.events).toHaveLength(2);
  });

  it('prunes with --dry-run first, then for real, and reports the counts', async () => {
    const dryRun = await runSessionsPrune({
      config: gatewayConfig,
      olderThan: '30d',
      dryRun: true,
    });
    expect(dryRun[0]).toMatch(
      /^Would delete 1 session\(s\) inactive for more than 30d .* with 2 task\(s\), 6 stream event\(s\), 2 feedback, 0 compaction checkpoint\(s\)\. Nothing was deleted/,
    );
    expect((await runSessionsList({ config: gatewayConfig })).length).toBe(3);
    const pruned = await runSessionsPrune({ config: gatewayConfig, olderThan: '720h' });
    expect(pruned[0]).toMatch(/^Deleted 1 session\(s\) inactive for more than 30d/);
    expect((await runSessionsList({ config: gatewayConfig, json: true }))[0]).not.toContain(
      seeded.old,
    );
    const agentPrune = await runSessionsPrune({ config: agentConfig, olderThan: '90m' });
    expect(agentPrune[0]).toMatch(/^Deleted 0 session\(s\) inactive for more than 90m/);
  });

  it("deletes a session, and refuses another user's when --user is given", async () => {
    await expect(
      runSessionsDelete(seeded.recent, { config: gatewayConfig, user: 'anon-old' }),
    ).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
    expect(await runSessionsDelete(seeded.recent, { config: gatewayConfig })).toEqual([
      expect.stringMatching(
        /^Deleted session .*: 1 task\(s\), 3 stream event\(s\), 1 feedback, 0 compaction checkpoint\(s\)\.$/,
      ),
    ]);
    expect(await runSessionsDelete(seeded.recent, { config: agentConfig })).toEqual([
      expect.stringMatching(/: 2 event\(s\), 0 A2A task record\(s\)\.$/),
    ]);
  });

  it('exits 2 with one clear line for an unknown id, a bad duration or a memory service', async () => {
    const errors: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((text: unknown) => {
      errors.push(String(text));
    });
    try {
      const argv = (...args: string[]): string[] => ['node', 'agent-mesh', 'sessions', ...args];
      expect(await runCli(argv('show', 'web-session-nope', '--config', gatewayConfig))).toBe(2);
      expect(await runCli(argv('delete', 'web-session-nope', '--config', agentConfig))).toBe(2);
      expect(await runCli(argv('prune', '--older-than', '30x', '--config', gatewayConfig))).toBe(2);
      expect(await runCli(argv('list', '--config', memoryConfig))).toBe(2);
      expect(await runCli(argv('list', '--limit', '0', '--config', gatewayConfig))).toBe(2);
    } finally {
      spy.mockRestore();
    }
    expect(errors).toEqual([
      'agent-mesh: Session "web-session-nope" does not exist in the gateway database; list the sessions with `agent-mesh sessions list`.',
      'agent-mesh: Agent "assistant" has no session "web-session-nope" in its database; list them with `agent-mesh sessions list`.',
      'agent-mesh: --older-than "30x" is not a duration: use a positive whole number and a unit, e.g. 30d, 12h or 90m (units: ms, s, m, h, d, w).',
      `agent-mesh: Agent "forgetful" keeps its sessions in memory (session_service.type: memory in ${memoryConfig}): nothing is stored to list, export or prune.`,
      'agent-mesh: --limit must be a whole number from 1 to 10000; got "0".',
    ]);
  });
});
