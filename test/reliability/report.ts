/**
 * Prints the figures of the last reliability run (test/artifacts/reliability/*.json) as Markdown —
 * totals, then one entry per test; with --write, also replaces the figures block of
 * docs/reliability.md with it.
 *
 *   npx tsx test/reliability/report.ts          # print
 *   npx tsx test/reliability/report.ts --write  # refresh docs/reliability.md
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const figuresDir = join(repoRoot, 'test/artifacts/reliability');
const docsFile = join(repoRoot, 'docs/reliability.md');
const startMarker = '<!-- figures:start -->';
const endMarker = '<!-- figures:end -->';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Figures = Record<string, any>;

/** One table row per test: what was tried and what came out, in words a reader can check. */
const summaries: Record<string, (f: Figures) => [tried: string, outcome: string]> = {
  'agent-sigkill': (f) => [`${f.kills} SIGKILLs of the agent mid-reply`, killOutcome(f)],
  'gateway-sigkill': (f) => [`${f.kills} SIGKILLs of the gateway mid-reply`, killOutcome(f)],
  'postgres-outage': (f) => [
    `${f.outageMs / 1000} s of pg_terminate_backend every 25 ms (${f.connectionsTerminated} connections killed) under ${f.requests.before.requests + f.requests.outage.requests + f.requests.after.requests} requests`,
    `during the outage: ${formatStatuses(f.requests.outage.statuses)}, slowest ${f.requests.outage.maxMs} ms; serving again ${f.recoveryMs} ms after; ${f.messagesAccepted} messages accepted, lost ${f.messagesLost}, duplicated ${f.messagesDuplicated}; half-written tasks ${f.halfWrittenTasks} of ${f.tasksStored}`,
  ],
  'sqlite-lock': (f) => [
    `both SQLite files held with BEGIN EXCLUSIVE for ${f.lockMs} ms (busy timeout ${f.busyTimeoutMs} ms), ${f.requestsDuringLock} requests meanwhile`,
    `${formatStatuses(f.statusesDuringLock)}, longest wait ${f.maxWaitMs} ms; lost ${f.messagesLost}, duplicated ${f.messagesDuplicated}, replies failed then retried ${f.repliesFailedThenRetried}; integrity_check ${f.integrityCheck.join(', ')}`,
  ],
  'bad-config': (f) => [
    `${f.fixtures} broken config files (+${f.unreadablePathsTried} unreadable paths), each through config check and start-up`,
    `${f.cliRuns} CLI runs, each one line (file:line:col path message; file and reason for an unreadable path), exit code 2, no stack trace (${f.unreadableNote})`,
  ],
  'hostile-api-postgresql': hostile,
  'hostile-api-sqlite': hostile,
  isolation: (f) => [
    `${f.users} users, ${f.sessions} sessions, every route and WebSocket subscriptions on each other's data (${f.runningRepliesAtSubscription} subscriptions to replies still streaming)`,
    f.summary,
  ],
  load: (f) => [
    `${f.streamingClients} WebSocket clients streaming for ${Math.round(f.streamingMs / 1000)} s, then ${f.idleWebSocketConnections} idle WebSocket connections`,
    `${f.replies} replies (${f.repliesPerSecond}/s, p50 ${f.replyLatencyMs.p50} ms, p95 ${f.replyLatencyMs.p95} ms), ${f.errors} errors; RSS MiB gateway ${f.memoryMiB.gateway.before} → peak ${Math.max(f.memoryMiB.gateway.peakStreaming, f.memoryMiB.gateway.peakIdle)} → ${f.memoryMiB.gateway.after}, agent ${f.memoryMiB.agent.before} → peak ${f.memoryMiB.agent.peakStreaming} → ${f.memoryMiB.agent.after}`,
  ],
};

function killOutcome(f: Figures): string {
  return `${f.interruptedShown}/${f.kills} shown interrupted with their partial text (${f.partialTextChars.min} chars at least, median ${f.partialTextChars.median}), ${f.retriesCompleted}/${f.kills} retries completed, ${f.userMessagesStored} user messages stored, lost ${f.messagesLost}, duplicated ${f.messagesDuplicated}; restart took ${f.restartMs.median} ms (median)`;
}

function hostile(f: Figures): [string, string] {
  return [
    `${f.hostileHttpRequests} hostile HTTP requests, ${f.malformedWebSocketFrames} malformed frames, ${f.webSocketFloodMessages} flood messages, ${f.verbatimTextsRoundTripped} SQL/HTML/Unicode strings`,
    `every status as documented (${formatStatuses(f.statusesChecked)}), rows added by hostile requests ${f.rowsAddedByHostileRequests}, strings returned byte for byte, ${f.webSocketUpgradesRefused} bad upgrades refused`,
  ];
}

function formatStatuses(statuses: Record<string, number>): string {
  return Object.entries(statuses)
    .map(([status, count]) => `${count}× ${status}`)
    .join(', ');
}

function readFigures(): Figures[] {
  if (!existsSync(figuresDir)) return [];
  return readdirSync(figuresDir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => JSON.parse(readFileSync(join(figuresDir, name), 'utf8')) as Figures);
}

function sum(all: Figures[], pick: (figures: Figures) => number | undefined): number {
  return all.reduce((total, figures) => total + (pick(figures) ?? 0), 0);
}

/** The headline: faults survived, inputs tried, messages lost, cross-user reads, memory. */
function renderTotals(all: Figures[]): string[] {
  const byTest = new Map(all.map((figures) => [figures.test as string, figures]));
  const kills = sum(all, (f) => (f.test.endsWith('-sigkill') ? f.kills : undefined));
  const outage = byTest.get('postgres-outage');
  const lock = byTest.get('sqlite-lock');
  const config = byTest.get('bad-config');
  const hostileRuns = all.filter((f) => f.test.startsWith('hostile-api-'));
  const isolation = byTest.get('isolation');
  const load = byTest.get('load');
  const inputs =
    (config ? config.cliRuns : 0) +
    sum(
      hostileRuns,
      (f) =>
        f.hostileHttpRequests +
        f.malformedWebSocketFrames +
        f.webSocketFloodMessages +
        f.verbatimTextsRoundTripped,
    );
  const lines = [
    `- **Faults survived:** ${kills} process kills (SIGKILL mid-reply)` +
      (outage
        ? `, ${outage.connectionsTerminated} PostgreSQL connections terminated over ${outage.outageMs / 1000} s`
        : '') +
      (lock ? `, a ${Math.round(lock.lockMs / 1000)} s exclusive lock on both SQLite files` : '') +
      '.',
    `- **Inputs tried:** ${inputs} (${config ? `${config.fixtures} broken config files and ${config.unreadablePathsTried} unreadable paths in ${config.cliRuns} CLI runs` : 'no config run'}; ${sum(hostileRuns, (f) => f.hostileHttpRequests)} hostile HTTP requests, ${sum(hostileRuns, (f) => f.malformedWebSocketFrames + f.webSocketFloodMessages)} WebSocket frames, ${sum(hostileRuns, (f) => f.verbatimTextsRoundTripped)} strings round-tripped byte for byte).`,
    `- **Messages lost:** ${sum(all, (f) => f.messagesLost)}; **duplicated:** ${sum(all, (f) => f.messagesDuplicated)}; **half-written tasks:** ${sum(all, (f) => f.halfWrittenTasks)}.`,
  ];
  if (isolation) {
    lines.push(
      `- **Cross-user reads:** ${isolation.crossUserReadsSucceeded} of ${isolation.crossUserReadAttempts} attempts; **cross-user writes:** ${isolation.crossUserWritesSucceeded} of ${isolation.crossUserWriteAttempts}.`,
    );
  }
  if (load) {
    const gateway = load.memoryMiB.gateway;
    const agent = load.memoryMiB.agent;
    lines.push(
      `- **Memory (RSS, MiB):** gateway ${gateway.before} before, ${Math.max(gateway.peakStreaming, gateway.peakIdle)} at peak (${load.streamingClients} streams, then ${load.idleWebSocketConnections} idle sockets), ${gateway.after} after; agent ${agent.before} before, ${agent.peakStreaming} at peak, ${agent.after} after.`,
    );
  }
  return lines;
}

/** The figures of the last run as Markdown: the totals, then one entry per test. */
export function renderReport(all: Figures[]): string {
  if (all.length === 0) {
    return 'No figures yet: run `npx vitest run --project e2e test/reliability` first.';
  }
  const order = Object.keys(summaries);
  const sorted = [...all].sort(
    (a, b) => (order.indexOf(a.test) + 1 || 99) - (order.indexOf(b.test) + 1 || 99),
  );
  const lines = [...renderTotals(sorted), ''];
  for (const figures of sorted) {
    const summarize = summaries[figures.test];
    const [tried, outcome] = summarize
      ? summarize(figures)
      : [String(figures.description ?? ''), JSON.stringify(figures)];
    const when = String(figures.finishedAt).slice(0, 16).replace('T', ' ');
    lines.push(`- **${figures.test}** (${figures.mode}, ${when} UTC) — ${tried}: ${outcome}.`);
  }
  return lines.join('\n');
}

const report = renderReport(readFigures());
process.stdout.write(`${report}\n`);
if (process.argv.includes('--write')) {
  const docs = readFileSync(docsFile, 'utf8');
  const start = docs.indexOf(startMarker);
  const end = docs.indexOf(endMarker);
  if (start < 0 || end < start) {
    throw new Error(`${docsFile} has no ${startMarker} … ${endMarker} block to replace.`);
  }
  writeFileSync(
    docsFile,
    `${docs.slice(0, start + startMarker.length)}\n\n${report}\n\n${docs.slice(end)}`,
  );
  process.stdout.write(`updated ${docsFile}\n`);
}
