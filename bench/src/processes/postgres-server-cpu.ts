import { readdirSync, readFileSync } from 'node:fs';
import { readProcStat, ticksToMs } from './cpu-time.js';

/**
 * What a PostgreSQL process does for a benchmark: `ours`, a client backend of one of its databases;
 * `server`, the postmaster and the background processes every database shares (checkpointer, background
 * writer, walwriter, autovacuum); `other`, another database's backend (other users of a shared server).
 */
export type PostgresProcessRole = 'ours' | 'server' | 'other';

/**
 * Classifies a process by its `comm` and command line (NULs as spaces); null when it is not PostgreSQL.
 * PostgreSQL rewrites a backend's command line to a title such as
 * `postgres: 15/main: postgres am_test_x 127.0.0.1(51234) idle`: the database is one of its words and
 * the client is `host(port)` or `[local]`.
 */
export function classifyPostgresProcess(
  command: string,
  commandLine: string,
  databases: readonly string[],
): PostgresProcessRole | null {
  const line = commandLine.trim();
  const program = line.split(/\s+/)[0] ?? '';
  const isPostgres =
    command === 'postgres' || line.startsWith('postgres:') || /(^|\/)postgres$/.test(program);
  if (!isPostgres) return null;
  if (!line.startsWith('postgres:')) return 'server';
  const isClientBackend = /\S\(\d+\)|\[local\]/.test(line);
  if (!isClientBackend) return 'server';
  const words = line.split(/\s+/);
  return databases.some((database) => words.includes(database)) ? 'ours' : 'other';
}

/** CPU ms each PostgreSQL process had used at one moment, by pid. */
export type PostgresCpuSnapshot = Map<number, { role: PostgresProcessRole; ms: number }>;

/** CPU ms PostgreSQL used between two snapshots, by role; `exited` counts processes that ended. */
export interface PostgresCpu {
  ours: number;
  server: number;
  other: number;
  /** Processes gone by the second snapshot: their CPU after the first one is missing from the figures. */
  exited: number;
}

/**
 * CPU ms between two snapshots by role. A process new in the second one started in between, so all of
 * its CPU counts; one whose time went backwards is a new process on a reused pid.
 */
export function postgresCpuBetween(
  before: PostgresCpuSnapshot,
  after: PostgresCpuSnapshot,
): PostgresCpu {
  const result: PostgresCpu = { ours: 0, server: 0, other: 0, exited: 0 };
  for (const [pid, now] of after) {
    const then = before.get(pid)?.ms ?? 0;
    result[now.role] += now.ms >= then ? now.ms - then : now.ms;
  }
  for (const pid of before.keys()) if (!after.has(pid)) result.exited += 1;
  return result;
}

/**
 * Every PostgreSQL process on this machine and its CPU ms so far, from /proc; null where /proc is
 * missing or shows no PostgreSQL (a remote server).
 */
export function snapshotPostgresCpu(databases: readonly string[]): PostgresCpuSnapshot | null {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return null;
  }
  const snapshot: PostgresCpuSnapshot = new Map();
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const stat = readProcStat(pid);
    // Every PostgreSQL process is forked from the postmaster, so its comm stays `postgres`.
    if (stat === null || stat.command !== 'postgres') continue;
    const role = classifyPostgresProcess(stat.command, readCommandLine(pid), databases);
    if (role !== null) snapshot.set(pid, { role, ms: ticksToMs(stat.ticks) });
  }
  return snapshot.size === 0 ? null : snapshot;
}

function readCommandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}
