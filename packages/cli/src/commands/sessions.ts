import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import {
  MeshError,
  formatDuration,
  loadConfigFile,
  openDatabase,
  parseDuration,
  type DatabaseProvider,
  type PruneResult,
} from '@agent-mesh/shared';
import type { AgentSessionAdmin, AgentSessionExport } from '@agent-mesh/agent-runtime';
import type { GatewaySessionAdmin, GatewaySessionExport } from '@agent-mesh/gateway';

/** Options every `sessions` subcommand takes. */
export interface SessionsCommonOptions {
  config: string;
}

/** Options of `sessions list`. */
export interface SessionsListOptions extends SessionsCommonOptions {
  user?: string;
  limit?: string;
  json?: boolean;
}

/** Options of `sessions show`, `export` and `delete` (which name one session). */
export interface SessionsOneOptions extends SessionsCommonOptions {
  user?: string;
  json?: boolean;
  output?: string;
  events?: boolean;
}

/** Options of `sessions prune`. */
export interface SessionsPruneOptions extends SessionsCommonOptions {
  olderThan: string;
  dryRun?: boolean;
  batchSize?: string;
}

/** The database a config file names, opened for operator commands, with the admin of its kind. */
type SessionsTarget = {
  /** e.g. `the gateway database (postgresql://…)` */
  where: string;
  provider: DatabaseProvider;
  close(): Promise<void>;
} & ({ kind: 'gateway'; admin: GatewaySessionAdmin } | { kind: 'agent'; admin: AgentSessionAdmin });

/** Operator commands open few connections: they run beside live processes sharing the pool budget. */
const operatorPoolSize = 2;

/**
 * Opens the database of a gateway or agent YAML file for the `sessions` commands (no migration: the
 * processes own the schema). A memory session service has nothing stored, which is REQUEST_INVALID.
 */
export async function openSessionsTarget(configFile: string): Promise<SessionsTarget> {
  const loaded = loadConfigFile(configFile);
  const service = loaded.config.session_service;
  const owner = loaded.kind === 'gateway' ? 'The gateway' : `Agent "${loaded.config.name}"`;
  if (service.type !== 'sql') {
    throw new MeshError(
      'REQUEST_INVALID',
      `${owner} keeps its sessions in memory (session_service.type: memory in ${configFile}): nothing is stored to list, export or prune.`,
      { configFile },
    );
  }
  const pool = {
    ...service.pool,
    max_connections: Math.min(service.pool.max_connections, operatorPoolSize),
  };
  if (loaded.kind === 'gateway') {
    const database = await openDatabase({
      url: service.database_url,
      schema: 'gateway',
      pool,
      migrate: false,
    });
    const { GatewaySessionAdmin } = await import('@agent-mesh/gateway');
    return {
      kind: 'gateway',
      admin: new GatewaySessionAdmin(database),
      where: `the gateway database (${database.url})`,
      provider: database.provider,
      close: () => database.close(),
    };
  }
  const database = await openDatabase({
    url: service.database_url,
    schema: 'agent',
    pool,
    migrate: false,
  });
  const { AgentSessionAdmin } = await import('@agent-mesh/agent-runtime');
  return {
    kind: 'agent',
    admin: new AgentSessionAdmin(database, loaded.config.name),
    where: `the database of agent "${loaded.config.name}" (${database.url})`,
    provider: database.provider,
    close: () => database.close(),
  };
}

async function withTarget<T>(
  configFile: string,
  work: (target: SessionsTarget) => Promise<T>,
): Promise<T> {
  const target = await openSessionsTarget(configFile);
  try {
    return await work(target);
  } finally {
    await target.close();
  }
}

/** `sessions list`: the newest sessions as a table (or JSON), optionally of one user. */
export async function runSessionsList(options: SessionsListOptions): Promise<string[]> {
  const limit = parseCount(options.limit ?? '50', '--limit', 10_000);
  return withTarget(options.config, async (target) => {
    const filter = { limit, ...(options.user === undefined ? {} : { userId: options.user }) };
    if (target.kind === 'gateway') {
      const sessions = await target.admin.listSessions(filter);
      if (options.json === true) return [JSON.stringify(sessions, null, 2)];
      if (sessions.length === 0) return [`No sessions in ${target.where}.`];
      return formatTable(
        ['ID', 'USER', 'AGENT', 'TASKS', 'LAST ACTIVE', 'NAME'],
        sessions.map((session) => [
          session.id,
          session.userId,
          session.agent,
          String(session.tasks),
          session.updatedAt.toISOString(),
          session.name,
        ]),
      );
    }
    const sessions = await target.admin.listSessions(filter);
    if (options.json === true) return [JSON.stringify(sessions, null, 2)];
    if (sessions.length === 0) return [`No sessions in ${target.where}.`];
    return formatTable(
      ['ID', 'USER', 'EVENTS', 'COMPACTED', 'LAST ACTIVE'],
      sessions.map((session) => [
        session.id,
        session.userId,
        String(session.events),
        session.compactionSeq === null ? '-' : `at #${session.compactionSeq}`,
        session.updatedAt.toISOString(),
      ]),
    );
  });
}

/** `sessions show <id>`: the session and its messages (gateway) or events (agent), readable or JSON. */
export async function runSessionsShow(id: string, options: SessionsOneOptions): Promise<string[]> {
  return withTarget(options.config, async (target) => {
    const exported = await exportFrom(target, id, options);
    if (options.json === true) return [JSON.stringify(exported, null, 2)];
    return exported.kind === 'gateway'
      ? describeGatewaySession(exported)
      : describeAgentSession(exported);
  });
}

/**
 * `sessions export <id>`: the whole session as JSON, to stdout (returned as the only line) or to
 * `--output` (the lines then say where it went).
 */
export async function runSessionsExport(
  id: string,
  options: SessionsOneOptions,
): Promise<string[]> {
  return withTarget(options.config, async (target) => {
    const exported = await exportFrom(target, id, options);
    const json = `${JSON.stringify({ exportedAt: new Date().toISOString(), ...exported }, null, 2)}`;
    if (options.output === undefined || options.output === '-') return [json];
    const file = resolve(options.output);
    writeFileSync(file, `${json}\n`);
    const size =
      exported.kind === 'gateway'
        ? `${exported.tasks.length} task(s)`
        : `${exported.events.length} event(s)`;
    return [`Exported session ${id} (${size}) from ${target.where} to ${file}.`];
  });
}

/** `sessions delete <id>`: deletes one session and what belongs to it. */
export async function runSessionsDelete(
  id: string,
  options: SessionsOneOptions,
): Promise<string[]> {
  return withTarget(options.config, async (target) => {
    if (target.kind === 'gateway') {
      if (options.user !== undefined) await requireOwner(target.admin, id, options.user);
      const deleted = await target.admin.deleteSession(id);
      return [
        `Deleted session ${id} from ${target.where}: ${deleted.tasks} task(s), ${deleted.taskEvents} stream event(s), ${deleted.feedback} feedback, ${deleted.compactions} compaction checkpoint(s).`,
      ];
    }
    const deleted = await target.admin.deleteSession({
      id,
      ...(options.user === undefined ? {} : { userId: options.user }),
    });
    return [
      `Deleted session ${id} from ${target.where}: ${deleted.events} event(s), ${deleted.tasks} A2A task record(s).`,
    ];
  });
}

/** `sessions prune --older-than <duration>`: deletes (or, with --dry-run, counts) inactive sessions. */
export async function runSessionsPrune(
  options: SessionsPruneOptions,
  now: Date = new Date(),
): Promise<string[]> {
  const maxAgeMs = parseDuration(options.olderThan, '--older-than');
  const batchSize =
    options.batchSize === undefined
      ? undefined
      : parseCount(options.batchSize, '--batch-size', 5000);
  const cutoff = new Date(now.getTime() - maxAgeMs);
  return withTarget(options.config, async (target) => {
    const result = await target.admin.pruneSessions({
      olderThan: cutoff,
      dryRun: options.dryRun === true,
      ...(batchSize === undefined ? {} : { batchSize }),
    });
    return [describePrune(result, target, formatDuration(maxAgeMs))];
  });
}

/** Registers `agent-mesh sessions list|show|export|delete|prune`. */
export function registerSessionsCommand(program: Command): void {
  const sessions = program
    .command('sessions')
    .description(
      'Operate on stored sessions of a gateway or an agent database (the kind of --config decides which).',
    );
  const configOption = [
    '-c, --config <file>',
    'gateway or agent YAML file whose database to use',
  ] as const;
  const print = (lines: string[]): void => {
    for (const line of lines) process.stdout.write(`${line}\n`);
  };

  sessions
    .command('list')
    .description('List sessions, most recently active first.')
    .requiredOption(...configOption)
    .option('--user <id>', 'only sessions of this user id (e.g. anon-…, user:ada)')
    .option('--limit <n>', 'at most this many sessions', '50')
    .option('--json', 'print JSON instead of a table')
    .action(async (options: SessionsListOptions) => print(await runSessionsList(options)));

  sessions
    .command('show')
    .description('Print a session with its messages (gateway) or events (agent).')
    .argument('<id>', 'session id, e.g. web-session-…')
    .requiredOption(...configOption)
    .option('--user <id>', 'agent database: the user, when several users have this session id')
    .option('--json', 'print JSON instead of text')
    .action(async (id: string, options: SessionsOneOptions) =>
      print(await runSessionsShow(id, options)),
    );

  sessions
    .command('export')
    .description('Write a session with everything stored about it as JSON.')
    .argument('<id>', 'session id, e.g. web-session-…')
    .requiredOption(...configOption)
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .option('--user <id>', 'agent database: the user, when several users have this session id')
    .option('--events', 'gateway database: include the numbered stream events of each reply')
    .action(async (id: string, options: SessionsOneOptions) =>
      print(await runSessionsExport(id, options)),
    );

  sessions
    .command('delete')
    .description('Delete a session and everything stored with it.')
    .argument('<id>', 'session id, e.g. web-session-…')
    .requiredOption(...configOption)
    .option(
      '--user <id>',
      'only if the session belongs to this user (agent: which user, when ambiguous)',
    )
    .action(async (id: string, options: SessionsOneOptions) =>
      print(await runSessionsDelete(id, options)),
    );

  sessions
    .command('prune')
    .description(
      'Delete sessions with no activity for longer than --older-than, in short batches, while the mesh keeps serving.',
    )
    .requiredOption('--older-than <duration>', 'e.g. 30d, 12h, 90m (units: ms, s, m, h, d, w)')
    .requiredOption(...configOption)
    .option('--dry-run', 'only count what would be deleted')
    .option('--batch-size <n>', 'sessions deleted per transaction (default 500)')
    .action(async (options: SessionsPruneOptions) => print(await runSessionsPrune(options)));
}

async function exportFrom(
  target: SessionsTarget,
  id: string,
  options: SessionsOneOptions,
): Promise<GatewaySessionExport | AgentSessionExport> {
  if (target.kind === 'gateway') {
    if (options.user !== undefined) await requireOwner(target.admin, id, options.user);
    return target.admin.exportSession(id, { events: options.events === true });
  }
  return target.admin.exportSession({
    id,
    ...(options.user === undefined ? {} : { userId: options.user }),
  });
}

/** With --user on the gateway database: a session of someone else is reported like a missing one. */
async function requireOwner(admin: GatewaySessionAdmin, id: string, userId: string): Promise<void> {
  const session = await admin.findSession(id);
  if (session?.userId !== userId) {
    throw new MeshError(
      'SESSION_NOT_FOUND',
      `User "${userId}" has no session "${id}" in the gateway database; list theirs with \`agent-mesh sessions list --user ${userId}\`.`,
      { sessionId: id, userId },
    );
  }
}

function describeGatewaySession(exported: GatewaySessionExport): string[] {
  const { session } = exported;
  const lines = [
    `Session ${session.id} "${session.name}"`,
    `  user: ${session.userId}   agent: ${session.agent}   tasks: ${exported.tasks.length}`,
    `  created: ${session.createdAt.toISOString()}   last active: ${session.updatedAt.toISOString()}`,
  ];
  // Exchanges and compaction checkpoints, in the order they happened.
  const entries = [
    ...exported.tasks.map((task) => ({ at: task.createdAt, task })),
    ...exported.compactions.map((compaction) => ({ at: compaction.createdAt, compaction })),
  ].sort((a, b) => a.at.getTime() - b.at.getTime());
  for (const entry of entries) {
    lines.push('');
    if ('compaction' in entry) {
      const { compaction } = entry;
      lines.push(
        `[${compaction.createdAt.toISOString()}] compaction (${compaction.reason}): ${compaction.turnsCompacted} turn(s) summarised, ${compaction.tokensBefore} → ${compaction.tokensAfter} tokens`,
      );
      continue;
    }
    const { task } = entry;
    lines.push(`[${task.createdAt.toISOString()}] user: ${task.userMessage}`);
    const rating = task.feedback.map((feedback) => ` [${feedback.rating}]`).join('');
    const error = task.error === null ? '' : ` (${task.error})`;
    lines.push(
      `[${(task.completedAt ?? task.updatedAt).toISOString()}] ${session.agent} (${task.status})${rating}: ${task.responseText}${error}`,
    );
  }
  return lines;
}

function describeAgentSession(exported: AgentSessionExport): string[] {
  const { session } = exported;
  const lines = [
    `Session ${session.id} of agent "${session.appName}"`,
    `  user: ${session.userId}   events: ${session.events}   compaction: ${session.compactionSeq === null ? 'none' : `#${session.compactionSeq}`}`,
    `  created: ${session.createdAt.toISOString()}   last active: ${session.updatedAt.toISOString()}`,
    `  state: ${JSON.stringify(session.state)}`,
    '',
  ];
  for (const event of exported.events) {
    const compaction = event.actions.compaction;
    const text = compaction
      ? `summary of #${compaction.startSeq}–#${compaction.endSeq}: ${compaction.summary}`
      : describeParts(event.content?.parts ?? []);
    lines.push(`#${event.seq} [${event.timestamp.toISOString()}] ${event.author}: ${text}`);
  }
  return lines;
}

function describeParts(parts: readonly { type: string; [key: string]: unknown }[]): string {
  return parts
    .map((part) => {
      switch (part.type) {
        case 'text':
          return String(part.text);
        case 'tool-call':
          return `[tool call ${String(part.toolName)}]`;
        case 'tool-result':
          return `[tool result ${String(part.toolName)}]`;
        default:
          return `[${JSON.stringify((part as { data?: unknown }).data ?? part)}]`;
      }
    })
    .join(' ');
}

function describePrune(result: PruneResult, target: SessionsTarget, age: string): string {
  const labels: Record<string, string> = {
    tasks: target.kind === 'gateway' ? 'task(s)' : 'A2A task record(s)',
    taskEvents: 'stream event(s)',
    feedback: 'feedback',
    compactions: 'compaction checkpoint(s)',
    events: 'event(s)',
  };
  const related = Object.entries(result.related)
    .map(([key, count]) => `${count} ${labels[key] ?? key}`)
    .join(', ');
  const what = `${result.sessions} session(s) inactive for more than ${age} (last active before ${result.cutoff.toISOString()})`;
  if (result.dryRun) {
    return `Would delete ${what} from ${target.where}, with ${related}. Nothing was deleted (--dry-run).`;
  }
  return `Deleted ${what} from ${target.where}, with ${related}, in ${result.batches} batch(es).`;
}

function formatTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) =>
        column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

function parseCount(text: string, option: string, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < 1 || value > max) {
    throw new MeshError(
      'REQUEST_INVALID',
      `${option} must be a whole number from 1 to ${max}; got "${text}".`,
      { option, value: text },
    );
  }
  return value;
}
