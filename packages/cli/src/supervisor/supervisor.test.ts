import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentConfig, GatewayConfig, LoadedConfigFile } from '@agent-mesh/shared';
import { readListeningUrl } from './line-splitter.js';
import { SupervisedProcess } from './supervised-process.js';
import { Supervisor } from './supervisor.js';

// Real child processes running small scripts that behave like agent-mesh processes: they announce
// "listening on" in a JSON log line, stop on SIGTERM, crash or ignore signals on request.
const childScript = `
const [mode, counterFile] = process.argv.slice(2);
const fs = require('node:fs');
const log = (msg, extra = {}) => console.log(JSON.stringify({ pid: process.pid, msg, ...extra }));
if (mode === 'crash-twice') {
  const count = fs.existsSync(counterFile) ? Number(fs.readFileSync(counterFile, 'utf8')) : 0;
  fs.writeFileSync(counterFile, String(count + 1));
  if (count < 2) { log('crashing'); process.exit(1); }
}
if (mode === 'invalid') { console.error('bad config'); process.exit(2); }
process.on('SIGTERM', () => {
  if (mode === 'stubborn') { log('ignoring SIGTERM'); return; }
  log('bye'); process.exit(0);
});
log('child listening on http://127.0.0.1:1', { url: 'http://127.0.0.1:1' });
setInterval(() => {}, 1000);
`;

// Stands in for the agent-mesh CLI: `<entry> agent|gateway --config <file>`. Agents take 300 ms to
// listen (the one named silent never does); the gateway listens at once on a real port and logs each
// /readyz request it answers.
const cliScript = `
const [kind, , file] = process.argv.slice(2);
const name = require('node:path').basename(file, '.yaml');
const log = (fields) => console.log(JSON.stringify({ pid: process.pid, t: Date.now(), ...fields }));
log({ msg: kind + ' started' });
if (kind === 'gateway') {
  const server = require('node:http').createServer((request, response) => {
    log({ msg: 'readyz asked', path: request.url });
    response.end('ready');
  });
  server.listen(0, '127.0.0.1', () => {
    const url = 'http://127.0.0.1:' + server.address().port;
    log({ url, msg: 'gateway listening on ' + url });
  });
} else if (name !== 'silent') {
  setTimeout(() => log({ url: 'http://127.0.0.1/' + name, msg: kind + ' listening on ' + name }), 300);
}
process.on('SIGTERM', () => process.exit(0));
setInterval(() => {}, 1000);
`;

describe('SupervisedProcess', () => {
  let folder: string;
  let script: string;

  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'agent-mesh-supervisor-'));
    script = join(folder, 'child.cjs');
    writeFileSync(script, childScript);
  });

  afterAll(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  function supervise(mode: string, options: { stopTimeoutMs?: number } = {}) {
    const lines: string[] = [];
    const notes: string[] = [];
    const child = new SupervisedProcess({
      spec: {
        name: mode,
        command: process.execPath,
        args: [script, mode, join(folder, `${mode}.count`)],
      },
      onOutput: (line) => lines.push(line),
      onNote: (note) => notes.push(note),
      backoff: { initialMs: 40, maxMs: 200, resetAfterMs: 60_000 },
      ...options,
    });
    return { child, lines, notes };
  }

  it('reports readiness from the listening log line and stops the child with SIGTERM', async () => {
    const { child, lines } = supervise('normal');
    child.start();
    expect(await child.ready).toBe('http://127.0.0.1:1');
    await child.stop();
    expect(child.isRunning).toBe(false);
    expect(lines.some((line) => line.includes('"bye"'))).toBe(true);
    expect(child.restarts).toBe(0);
  });

  it('restarts a crashed child with growing delays', async () => {
    const { child, notes } = supervise('crash-twice');
    child.start();
    expect(await child.ready).toBe('http://127.0.0.1:1');
    expect(child.restarts).toBe(2);
    expect(notes).toEqual([
      'crash-twice exited with code 1; restarting in 40 ms',
      'crash-twice exited with code 1; restarting in 80 ms',
    ]);
    await child.stop();
  });

  it('does not restart a child that exits with the invalid-input code', async () => {
    const { child, notes, lines } = supervise('invalid');
    let gaveUp = false;
    child.onGiveUp(() => {
      gaveUp = true;
    });
    child.start();
    await expect(child.ready).rejects.toThrow('before it was ready');
    expect(gaveUp).toBe(true);
    expect(child.gaveUpWith).toBe(2);
    expect(lines).toContain('bad config');
    expect(notes[0]).toContain('not restarting');
  });

  it('kills a child that ignores SIGTERM after the grace period', async () => {
    const { child, notes, lines } = supervise('stubborn', { stopTimeoutMs: 200 });
    child.start();
    await child.ready;
    const started = Date.now();
    await child.stop();
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(lines.some((line) => line.includes('ignoring SIGTERM'))).toBe(true);
    expect(notes).toEqual(['stubborn did not stop within 200 ms; killing it']);
    expect(child.isRunning).toBe(false);
  });
});

describe('Supervisor', () => {
  let folder: string;
  let entry: string;

  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'agent-mesh-supervisor-'));
    entry = join(folder, 'cli.cjs');
    writeFileSync(entry, cliScript);
  });

  afterAll(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it('starts the gateway with the agents and announces it once they listen, after asking its /readyz', async () => {
    const files: LoadedConfigFile[] = [
      { kind: 'gateway', file: join(folder, 'gateway.yaml'), config: {} as GatewayConfig },
      { kind: 'agent', file: join(folder, 'alpha.yaml'), config: { name: 'alpha' } as AgentConfig },
      { kind: 'agent', file: join(folder, 'beta.yaml'), config: { name: 'beta' } as AgentConfig },
    ];
    const lines: string[] = [];
    const supervisor = new Supervisor({
      files,
      cliEntry: entry,
      writeLine: (line) => lines.push(line),
    });
    expect(supervisor.children.map((child) => child.process.name)).toEqual([
      'alpha',
      'beta',
      'gateway',
    ]);
    await supervisor.start();
    const gatewayUrl = await supervisor.children[2]!.process.ready;
    const deadline = Date.now() + 10_000;
    const announcement = `agent-mesh | gateway ready at ${gatewayUrl}`;
    while (!lines.includes(announcement) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const indexOf = (name: string, message: string): number =>
      lines.findIndex(
        (line) => line.startsWith(`${name.padEnd(10)} | {`) && line.includes(message),
      );
    const timeOf = (name: string, message: string): number =>
      (JSON.parse(lines[indexOf(name, message)]!.slice(13)) as { t: number }).t;
    // Started together: the gateway was up before the (slower) agents listened.
    expect(timeOf('gateway', 'gateway listening')).toBeLessThan(
      Math.min(timeOf('alpha', 'listening'), timeOf('beta', 'listening')),
    );
    // Announced only after both agents listen and the gateway was asked for /readyz.
    const announced = lines.indexOf(announcement);
    expect(announced).toBeGreaterThan(indexOf('alpha', 'listening'));
    expect(announced).toBeGreaterThan(indexOf('beta', 'listening'));
    expect(timeOf('gateway', 'readyz asked')).toBeGreaterThanOrEqual(
      Math.max(timeOf('alpha', 'listening'), timeOf('beta', 'listening')),
    );
    expect(indexOf('gateway', 'readyz asked')).toBeLessThan(announced);
    const pids = supervisor.children.map((child) => child.process.pid);
    expect(pids.every((pid) => typeof pid === 'number')).toBe(true);
    await supervisor.stop();
    expect(supervisor.children.every((child) => !child.process.isRunning)).toBe(true);
  });

  it('announces the gateway after the ready timeout when an agent never listens', async () => {
    const lines: string[] = [];
    const supervisor = new Supervisor({
      files: [
        {
          kind: 'agent',
          file: join(folder, 'silent.yaml'),
          config: { name: 'silent' } as AgentConfig,
        },
        { kind: 'gateway', file: join(folder, 'gateway.yaml'), config: {} as GatewayConfig },
      ],
      cliEntry: entry,
      writeLine: (line) => lines.push(line),
      readyTimeoutMs: 200,
    });
    await supervisor.start();
    const gatewayUrl = await supervisor.children[1]!.process.ready;
    const announcement = `agent-mesh | gateway ready at ${gatewayUrl}`;
    const deadline = Date.now() + 10_000;
    while (!lines.includes(announcement) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const timeoutNote = lines.findIndex((line) =>
      line.includes('not every agent listens after 200 ms'),
    );
    expect(timeoutNote).toBeGreaterThanOrEqual(0);
    expect(lines.indexOf(announcement)).toBeGreaterThan(timeoutNote);
    await supervisor.stop();
  });

  it('reads the URL only from "listening on" log lines', () => {
    expect(readListeningUrl('{"msg":"gateway listening on http://x","url":"http://x"}')).toBe(
      'http://x',
    );
    expect(readListeningUrl('{"msg":"Database migrated","url":"sqlite:///x.db"}')).toBeUndefined();
    expect(readListeningUrl('plain text')).toBeUndefined();
  });
});
