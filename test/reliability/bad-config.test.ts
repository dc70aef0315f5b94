import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cliEntry,
  createTempDir,
  fixturePath,
  repoRoot,
  type TempDir,
} from '../e2e/helpers/index.js';
import { writeFigures } from './helpers/figures.js';

// Every file in test/fixtures/bad-config is broken in one way, named in its header:
//   # expect: <where> <fragment>        `config check` and start-up both report this
//   # expect-start: <where> <fragment>  only start-up does (the file itself is valid)
//   # start: agent | gateway            the command that starts it (default: its top-level key)
//   # env: NAME=held-port               the test holds a port and passes it as NAME
// <where> is `line:col` in the file itself or `path:line:col` relative to the folder (an include).
// Each must give exactly one `file:line:col path message` line, exit code 2 and no stack trace.

const fixturesDir = fixturePath('bad-config');
const concurrency = 4;

interface Expectation {
  /** Path shown in the message, relative to the repository root (the CLI runs there). */
  file: string;
  line: number | undefined;
  col: number | undefined;
  fragment: string;
}

interface BadConfigCase {
  name: string;
  /** The config path given to the CLI, relative to the repository root. */
  path: string;
  /** What config check reports; undefined when the file is valid as a file. */
  check: Expectation | undefined;
  start: Expectation;
  /** What the file holds (by its top-level key) and the command that starts it. */
  kind: 'agent' | 'gateway';
  command: 'agent' | 'gateway';
  heldPortVariable?: string;
}

interface CliRun {
  code: number | null;
  lines: string[];
  ms: number;
}

function parseWhere(where: string, defaultFile: string): Omit<Expectation, 'fragment'> {
  const match = /^(?:(.+):)?(\d+):(\d+)$/.exec(where);
  if (!match) throw new Error(`bad <where> "${where}" in a fixture header`);
  const file =
    match[1] === undefined ? defaultFile : relative(repoRoot, join(fixturesDir, match[1]));
  return { file, line: Number(match[2]), col: Number(match[3]) };
}

function readCase(name: string): BadConfigCase {
  const path = relative(repoRoot, join(fixturesDir, name));
  const text = readFileSync(join(fixturesDir, name), 'utf8');
  const header = (key: string): string | undefined =>
    new RegExp(`^# ${key}: (.*)$`, 'm').exec(text)?.[1]?.trim();
  const parse = (value: string): Expectation => {
    const space = value.indexOf(' ');
    return { ...parseWhere(value.slice(0, space), path), fragment: value.slice(space + 1) };
  };
  const both = header('expect');
  const startOnly = header('expect-start');
  // The one file that cannot hold a comment says what it expects in its name.
  const expectation =
    both !== undefined
      ? parse(both)
      : startOnly !== undefined
        ? parse(startOnly)
        : name === 'empty-file.yaml'
          ? { file: path, line: 1, col: 1, fragment: 'is empty; a config file needs a top-level' }
          : undefined;
  if (expectation === undefined) throw new Error(`${name} has no "# expect:" header`);
  const declared = header('start');
  const kind = /^gateway:/m.test(text) && !/^agent:/m.test(text) ? 'gateway' : 'agent';
  const command = declared === 'gateway' || declared === 'agent' ? declared : kind;
  const env = header('env');
  return {
    name,
    path,
    check: startOnly === undefined ? expectation : undefined,
    start: expectation,
    kind,
    command,
    ...(env ? { heldPortVariable: env.split('=')[0]! } : {}),
  };
}

/** Runs the built CLI with a clean environment (no config variables) and collects its output lines. */
function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliEntry, ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({
        code,
        lines: output.split('\n').filter((line) => line !== ''),
        ms: Date.now() - started,
      });
    });
  });
}

/** Runs tasks with at most `limit` at a time, keeping the order of results. */
async function mapLimited<T, R>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!);
      }
    }),
  );
  return results;
}

function holdPort(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({ server, port: typeof address === 'object' && address ? address.port : 0 });
    });
  });
}

function where(expectation: Expectation): string {
  return expectation.line === undefined
    ? expectation.file
    : `${expectation.file}:${expectation.line}:${expectation.col}`;
}

/** The lines a person reads: JSON log lines (a gateway that got far enough to log) are left out. */
function messageLines(run: CliRun): string[] {
  return run.lines.filter((line) => !line.startsWith('{'));
}

const cases = readdirSync(fixturesDir)
  .filter((name) => name.endsWith('.yaml'))
  .sort()
  .map(readCase);

describe('broken config files', () => {
  let held: { server: Server; port: number };
  let temp: TempDir;
  const timings: number[] = [];

  beforeAll(async () => {
    held = await holdPort();
    temp = createTempDir('bad-config');
  });
  afterAll(() => {
    held?.server.close();
    temp?.remove();
  });

  it(`has at least 40 fixtures, each with its expected message`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    expect(cases.filter((item) => item.check !== undefined).length).toBeGreaterThanOrEqual(40);
  });

  it('are each reported by `agent-mesh config check` as one file:line:col line with exit code 2', async () => {
    const checked = cases.filter((item) => item.check !== undefined);
    const runs = await mapLimited(checked, concurrency, (item) =>
      runCli(['config', 'check', item.path]),
    );
    const failures: string[] = [];
    checked.forEach((item, index) => {
      const run = runs[index]!;
      timings.push(run.ms);
      const expected = item.check!;
      const lines = messageLines(run);
      const problem = lines[0] ?? '';
      const ok =
        run.code === 2 &&
        lines.length === 2 &&
        problem.startsWith(`${where(expected)} `) &&
        problem.includes(expected.fragment) &&
        lines[1] === '1 config file checked, 1 invalid, 1 problem' &&
        !run.lines.some((line) => /^\s+at /.test(line));
      if (!ok) failures.push(`${item.name}: exit ${run.code}\n  ${run.lines.join('\n  ')}`);
    });
    expect(failures).toEqual([]);
    // Files that are only wrong at start-up pass the check.
    const startOnly = cases.filter((item) => item.check === undefined);
    for (const item of startOnly) {
      const env = item.heldPortVariable ? { [item.heldPortVariable]: String(held.port) } : {};
      const run = await runCli(['config', 'check', item.path], env);
      expect(run.lines, item.name).toContain(`ok ${item.path} (${item.kind})`);
      expect(run.code).toBe(0);
    }
  });

  it('stop `agent-mesh agent|gateway --config` with one file:line:col line, exit code 2 and no stack trace', async () => {
    const runs = await mapLimited(cases, concurrency, (item) => {
      const env = item.heldPortVariable ? { [item.heldPortVariable]: String(held.port) } : {};
      return runCli([item.command, '--config', item.path], env);
    });
    const failures: string[] = [];
    cases.forEach((item, index) => {
      const run = runs[index]!;
      timings.push(run.ms);
      const fragment = item.start.fragment.replace('{held-port}', String(held.port));
      const lines = messageLines(run);
      const ok =
        run.code === 2 &&
        lines.length === 1 &&
        lines[0]!.startsWith(`agent-mesh: ${where(item.start)} `) &&
        lines[0]!.includes(fragment) &&
        !run.lines.some((line) => /^\s+at /.test(line));
      if (!ok) failures.push(`${item.name}: exit ${run.code}\n  ${run.lines.join('\n  ')}`);
    });
    expect(failures).toEqual([]);
  });

  it('report files that cannot be read in one line with exit code 2', async () => {
    // A directory, a socket and a missing path stand in for unreadable files: as root (CI),
    // chmod 000 does not stop reads, so that case only runs for other users.
    const directory = join(temp.path, 'a-directory.yaml');
    mkdirSync(directory);
    const socketPath = join(temp.path, 'a-socket.yaml');
    const socket = await new Promise<Server>((resolve) => {
      const server = createServer();
      server.listen(socketPath, () => resolve(server));
    });
    const unreadable: Array<{ path: string; start: RegExp; check: RegExp }> = [
      {
        path: directory,
        start: /^agent-mesh: Config file \S+a-directory\.yaml is a directory, not a YAML file\.$/,
        check: /a-directory\.yaml holds no \.yaml or \.yml file$/,
      },
      {
        path: socketPath,
        start: /^agent-mesh: Config file \S+a-socket\.yaml cannot be read \(.+\)\.$/,
        check: /a-socket\.yaml Config file \S+ cannot be read \(.+\)\.$/,
      },
      {
        path: join(temp.path, 'missing.yaml'),
        start: /^agent-mesh: Config file \S+missing\.yaml does not exist\.$/,
        check: /missing\.yaml does not exist$/,
      },
    ];
    const root = process.getuid?.() === 0;
    if (!root) {
      const locked = temp.write('no-permission.yaml', 'agent:\n  name: assistant\n');
      chmodSync(locked, 0o000);
      unreadable.push({
        path: locked,
        start: /^agent-mesh: Config file \S+no-permission\.yaml cannot be read \(EACCES.*\)\.$/,
        check: /no-permission\.yaml Config file \S+ cannot be read \(EACCES.*\)\.$/,
      });
    }
    try {
      for (const item of unreadable) {
        const started = await runCli(['agent', '--config', item.path]);
        expect(started.code, started.lines.join('\n')).toBe(2);
        expect(messageLines(started)).toEqual([expect.stringMatching(item.start)]);
        const checked = await runCli(['config', 'check', item.path]);
        expect(checked.code, checked.lines.join('\n')).toBe(2);
        expect(messageLines(checked)[0]).toMatch(item.check);
        expect(messageLines(checked)).toHaveLength(2);
        for (const run of [started, checked]) {
          expect(run.lines.filter((line) => /^\s+at /.test(line))).toEqual([]);
        }
      }
    } finally {
      socket.close();
    }

    writeFigures('bad-config', {
      description: 'broken config files: config check and start-up of each',
      fixtures: cases.length,
      checkedByConfigCheck: cases.filter((item) => item.check !== undefined).length,
      startOnlyFixtures: cases.filter((item) => item.check === undefined).length,
      startedWithEachCommand: cases.length,
      unreadablePathsTried: unreadable.length,
      unreadableNote: root
        ? 'running as root: chmod 000 does not stop root from reading, so a directory, a socket and a missing path stand in'
        : 'chmod 000 file tried as well',
      cliRuns: timings.length + unreadable.length * 2,
      medianCliMs: [...timings].sort((a, b) => a - b)[Math.floor(timings.length / 2)] ?? 0,
    });
  });
});
