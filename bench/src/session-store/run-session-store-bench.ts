import type { DatabaseProvider } from '@agent-mesh/shared';
import { createRow, createUnavailableRow, type BenchRow } from '../report/bench-row.js';
import type { Target } from '../report/targets.js';
import {
  measureConcurrentAppend,
  measureLeastAppend,
  measureSequentialAppend,
} from './measure-append.js';
import {
  maxHistoryPageSize,
  measureHistoryRead,
  measureListSessions,
  measureLoadForTurn,
} from './measure-reads.js';
import { openStorePair, type StorePair } from './open-store-pair.js';
import { seedCompactedSession, seedUserSessions, type SeededSession } from './seed-sessions.js';
import type { SessionStoreSettings } from './session-store-settings.js';

/** The bare driver each provider is compared with. */
const driverNames: Record<DatabaseProvider, string> = {
  sqlite: 'better-sqlite3',
  postgresql: 'pg',
  mysql: 'mariadb',
};

/** The absolute load-for-turn target at 10,000 events, where it sets one. */
const loadTargetMs: Partial<Record<DatabaseProvider, number>> = { postgresql: 3, sqlite: 1 };

/** Appends must keep ≥ 0.7× of raw throughput on PostgreSQL and SQLite (the issue sets none for MySQL). */
function appendTarget(provider: DatabaseProvider): Target | undefined {
  return provider === 'mysql' ? undefined : { kind: 'ratio-at-least', limit: 0.7 };
}

const appendNote =
  'ours is appendEvent: one transaction (one statement on PostgreSQL) that inserts the event and bumps the ' +
  "session row's last_seq and updated_at; the raw reference is one single-row INSERT per event and does not " +
  'touch the session row.';

const leastNote =
  "the raw driver doing the least SQL of our append — the session row's last_seq and updated_at moved on " +
  'and the event inserted, in one transaction (one statement on PostgreSQL) — beside the plain INSERT: ' +
  'its ratio is the most any code can reach on these tables, the ceiling for the append target.';

/**
 * Runs every session-store benchmark on each provider (ours through the public session-service API, the
 * bare driver beside it on an identical database) and returns one row per figure; a provider that cannot
 * be reached gets one "not available" row.
 */
export async function runSessionStoreBench(
  providers: readonly DatabaseProvider[],
  settings: SessionStoreSettings,
  log: (line: string) => void,
): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  // Every provider's databases are created and migrated at once, before anything is timed: setup only,
  // and the pairs not yet measured sit idle while another provider runs.
  log(`creating and migrating both databases of ${providers.join(', ')}`);
  const opened = await Promise.allSettled(providers.map((provider) => openStorePair(provider)));
  for (const [index, provider] of providers.entries()) {
    const result = opened[index];
    if (result?.status !== 'fulfilled') {
      rows.push(unavailableRow(provider, messageOf(result?.reason)));
      continue;
    }
    const pair = result.value;
    try {
      rows.push(...(await benchProvider(pair, settings, (line) => log(`${provider}: ${line}`))));
    } catch (error) {
      // Keep the figures of the other providers and groups: the failure becomes a row that says why.
      rows.push(unavailableRow(provider, `the run failed: ${messageOf(error)}`));
    } finally {
      await pair.close();
    }
  }
  return rows;
}

async function benchProvider(
  pair: StorePair,
  settings: SessionStoreSettings,
  log: (line: string) => void,
): Promise<BenchRow[]> {
  const { provider } = pair;
  const driver = driverNames[provider];
  const base = { group: 'session-store' as const, database: provider };
  const rows: BenchRow[] = [];

  log(`sequential append of ${settings.sequentialEvents} events`);
  const sequential = await measureSequentialAppend(
    pair,
    settings.sequentialEvents,
    settings.sequentialWarmup,
  );
  const sequentialName = `append sequential (${count(settings.sequentialEvents)} events)`;
  rows.push(
    createRow({
      ...base,
      name: sequentialName,
      unit: 'events/s',
      better: 'higher',
      value: sequential.ours.eventsPerSecond,
      reference: { label: `raw ${driver} INSERT`, value: sequential.reference.eventsPerSecond },
      target: appendTarget(provider),
      note: appendNote,
      details: { ours: sequential.ours.latencyMs, reference: sequential.reference.latencyMs },
    }),
  );
  for (const percentile of ['p50', 'p99'] as const) {
    rows.push(
      createRow({
        ...base,
        name: `${sequentialName} ${percentile}`,
        unit: 'ms',
        better: 'lower',
        value: sequential.ours.latencyMs[percentile],
        summary: sequential.ours.latencyMs,
        reference: {
          label: `raw ${driver} INSERT`,
          value: sequential.reference.latencyMs[percentile],
          summary: sequential.reference.latencyMs,
        },
      }),
    );
  }

  log(`least SQL of an append beside the plain INSERT, ${settings.sequentialEvents} events`);
  const least = await measureLeastAppend(
    pair,
    settings.sequentialEvents,
    settings.sequentialWarmup,
  );
  rows.push(
    createRow({
      ...base,
      name: `least SQL of our append, sequential (${count(settings.sequentialEvents)} events)`,
      unit: 'events/s',
      better: 'higher',
      value: least.ours.eventsPerSecond,
      reference: { label: `raw ${driver} INSERT`, value: least.reference.eventsPerSecond },
      note: leastNote,
      details: { ours: least.ours.latencyMs, reference: least.reference.latencyMs },
    }),
  );

  const { concurrentSessions: sessions, eventsPerSession } = settings;
  log(`concurrent append, ${sessions} sessions × ${eventsPerSession} events`);
  const concurrent = await measureConcurrentAppend(
    pair,
    sessions,
    eventsPerSession,
    settings.concurrentRounds,
  );
  rows.push(
    createRow({
      ...base,
      name: `append concurrent (${sessions} sessions × ${eventsPerSession} events, ${sessions} at once)`,
      unit: 'events/s',
      better: 'higher',
      value: concurrent.ours,
      reference: { label: `raw ${driver} INSERT`, value: concurrent.reference },
      target: appendTarget(provider),
      note: appendNote,
      details: {
        rounds: settings.concurrentRounds,
        clientCpuMicrosPerEvent: concurrent.clientCpuMicrosPerEvent,
      },
    }),
  );

  log(`least SQL of an append, concurrent, beside the plain INSERT`);
  const leastConcurrent = await measureConcurrentAppend(
    pair,
    sessions,
    eventsPerSession,
    settings.concurrentRounds,
    'least',
  );
  rows.push(
    createRow({
      ...base,
      name: `least SQL of our append, concurrent (${sessions} sessions × ${eventsPerSession} events, ${sessions} at once)`,
      unit: 'events/s',
      better: 'higher',
      value: leastConcurrent.ours,
      reference: { label: `raw ${driver} INSERT`, value: leastConcurrent.reference },
      note: leastNote,
      details: { rounds: settings.concurrentRounds },
    }),
  );

  const seeded = new Map<number, SeededSession>();
  for (const size of settings.loadSizes) {
    log(`seeding a session of ${count(size)} events`);
    seeded.set(size, await seedCompactedSession(pair, `long-${size}`, size, settings.liveWindow));
  }
  log(`load for turn at ${settings.loadSizes.map(count).join(', ')} events, interleaved`);
  const loads = await measureLoadForTurn(pair, [...seeded.values()], settings.loadRuns);
  const loadMedians = new Map<number, number>();
  for (const [index, size] of [...seeded.keys()].entries()) {
    const load = loads[index];
    if (load === undefined) continue;
    loadMedians.set(size, load.ours.p50);
    const absolute = size === 10_000 ? loadTargetMs[provider] : undefined;
    rows.push(
      createRow({
        ...base,
        name: `load for turn (${count(size)} events, ${settings.liveWindow} live), median`,
        unit: 'ms',
        better: 'lower',
        value: load.ours.p50,
        summary: load.ours,
        reference: {
          label: `raw ${driver}, one SELECT of the same rows`,
          value: load.reference.p50,
          summary: load.reference,
        },
        ...(absolute === undefined ? {} : { target: { kind: 'below', limit: absolute } as const }),
      }),
    );
  }
  const smallest = settings.loadSizes[0];
  const largest = settings.loadSizes.at(-1);
  if (smallest !== undefined && largest !== undefined && largest !== smallest) {
    rows.push(
      createRow({
        ...base,
        name: `load for turn, ${count(largest)} vs ${count(smallest)} events (flatness)`,
        unit: 'ms',
        better: 'lower',
        value: loadMedians.get(largest) as number,
        reference: {
          label: `ours at ${count(smallest)} events`,
          value: loadMedians.get(smallest) as number,
        },
        target: { kind: 'ratio-at-most', limit: 1.5 },
        ...(largest < 100_000
          ? {
              note: 'the issue sets this target at 100,000 events; `pnpm bench --full` measures that.',
            }
          : {}),
      }),
    );
  }

  const history =
    seeded.get(settings.historyEvents) ??
    (await seedCompactedSession(pair, 'history', settings.historyEvents, settings.liveWindow));
  log(`full history read of ${count(settings.historyEvents)} events`);
  const historyRead = await measureHistoryRead(pair, history, settings.historyRuns);
  rows.push(
    createRow({
      ...base,
      name: `full history (${count(settings.historyEvents)} events, pages of ${count(maxHistoryPageSize)}), median`,
      unit: 'ms',
      better: 'lower',
      value: historyRead.ours.p50,
      summary: historyRead.ours,
      reference: {
        label: `raw ${driver}, one SELECT … ORDER BY seq`,
        value: historyRead.reference.p50,
        summary: historyRead.reference,
      },
      target: { kind: 'ratio-at-most', limit: 1.5 },
    }),
  );

  log(`listing ${settings.listLimit} of ${count(settings.listedSessions)} sessions`);
  await seedUserSessions(pair, 'list-user', settings.listedSessions);
  const listing = await measureListSessions(
    pair,
    'list-user',
    settings.listLimit,
    settings.listRuns,
  );
  rows.push(
    createRow({
      ...base,
      name: `list ${settings.listLimit} most recent of ${count(settings.listedSessions)} sessions, median`,
      unit: 'ms',
      better: 'lower',
      value: listing.ours.p50,
      summary: listing.ours,
      reference: {
        label: `raw ${driver}, ORDER BY updated_at DESC LIMIT ${settings.listLimit}`,
        value: listing.reference.p50,
        summary: listing.reference,
      },
      target: { kind: 'ratio-at-most', limit: 2 },
    }),
  );
  return rows;
}

function unavailableRow(provider: DatabaseProvider, reason: string): BenchRow {
  return createUnavailableRow({
    group: 'session-store',
    name: 'session store',
    database: provider,
    unit: '',
    better: 'lower',
    reason,
  });
}

function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

function count(value: number): string {
  return value.toLocaleString('en-US');
}
