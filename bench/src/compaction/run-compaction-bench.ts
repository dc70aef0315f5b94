import { performance } from 'node:perf_hooks';
import {
  BuiltinRecallModel,
  compactSession,
  createSessionLock,
  createSessionService,
  type SessionKey,
} from '@agent-mesh/agent-runtime';
import { openDatabase, type AgentDatabase, type DatabaseProvider } from '@agent-mesh/shared';
import { createTestDatabase, type TestDatabase } from '@agent-mesh/shared/testing';
import { seedLongSession } from './seed-long-session.js';

/** Options of runCompactionBench; every one has a default. */
export interface CompactionBenchOptions {
  /** Databases to measure on (default SQLite and PostgreSQL). */
  providers?: readonly DatabaseProvider[];
  /** Events in the measured session (default 10,000). */
  events?: number;
  /** Timed compactions per scenario, each on a freshly seeded session (default 3). */
  runs?: number;
  /** compaction_percentage (default 0.25, the agent default). */
  percentage?: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

/** Which session shape a figure was measured on. */
export type CompactionScenario = 'uncompacted' | 'compacted-before';

/** One figure: compactSession on one database and scenario, in milliseconds. */
export interface CompactionBenchResult {
  database: DatabaseProvider;
  scenario: CompactionScenario;
  /** Events stored in the session. */
  events: number;
  /** Events after the previous summary: what compactSession loads and splits into turns. */
  liveEvents: number;
  turnsCompacted: number;
  /** compactSession end to end (lock, load, summarise with the built-in model, append), per run. */
  compactMs: number[];
  /** loadForTurn alone on the same session before compacting, per run: the read share of the above. */
  loadMs: number[];
  /** Set when the database could not be reached; the other fields are then empty. */
  error?: string;
}

/** The live window of the `compacted-before` scenario: 100 turns after an earlier summary. */
const liveEventsAfterSummary = 200;

/**
 * Measures how long one compaction of a long session takes (design §6) on each database: the session is
 * seeded with multi-row INSERTs, then compactSession runs with the built-in model under the database
 * lock, as an overflow would run it. Two shapes: `uncompacted` (all `events` in the live window, the
 * worst case) and `compacted-before` (an earlier summary, then a 200-event live window — the steady
 * state, whose cost must not grow with the history). Prints nothing; see formatCompactionResults.
 */
export async function runCompactionBench(
  options: CompactionBenchOptions = {},
): Promise<CompactionBenchResult[]> {
  const providers = options.providers ?? ['sqlite', 'postgresql'];
  const events = options.events ?? 10_000;
  const runs = options.runs ?? 3;
  const percentage = options.percentage ?? 0.25;
  const log = options.log ?? ((): void => undefined);
  const results: CompactionBenchResult[] = [];
  for (const provider of providers) {
    let test: TestDatabase | undefined;
    let database: AgentDatabase | undefined;
    try {
      test = await createTestDatabase(provider);
      database = await openDatabase({ url: test.url, schema: 'agent' });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      for (const scenario of ['uncompacted', 'compacted-before'] as const) {
        results.push({
          database: provider,
          scenario,
          events,
          liveEvents: 0,
          turnsCompacted: 0,
          compactMs: [],
          loadMs: [],
          error: message,
        });
      }
      await test?.drop().catch(() => undefined);
      continue;
    }
    try {
      for (const scenario of ['uncompacted', 'compacted-before'] as const) {
        log(`${provider}: ${scenario}, ${events} events, ${runs} runs`);
        results.push(await measure(database, provider, scenario, { events, runs, percentage }));
      }
    } finally {
      await database.close();
      await test.drop();
    }
  }
  return results;
}

async function measure(
  database: AgentDatabase,
  provider: DatabaseProvider,
  scenario: CompactionScenario,
  settings: { events: number; runs: number; percentage: number },
): Promise<CompactionBenchResult> {
  const sessions = createSessionService({ type: 'sql', database });
  const lock = createSessionLock(database);
  const model = new BuiltinRecallModel();
  const result: CompactionBenchResult = {
    database: provider,
    scenario,
    events: 0,
    liveEvents: 0,
    turnsCompacted: 0,
    compactMs: [],
    loadMs: [],
  };
  for (let run = 1; run <= settings.runs; run += 1) {
    const key: SessionKey = {
      appName: 'bench-agent',
      userId: 'bench-user',
      sessionId: `compaction-${scenario}-${run}`,
    };
    const seeded = await seedLongSession(
      database,
      key,
      scenario === 'uncompacted'
        ? { events: settings.events }
        : {
            events: settings.events,
            compactedEvents: Math.max(0, settings.events - liveEventsAfterSummary),
          },
    );
    result.events = seeded.events;
    result.liveEvents = seeded.liveEvents;

    let started = performance.now();
    await sessions.loadForTurn(key);
    result.loadMs.push(performance.now() - started);

    started = performance.now();
    const outcome = await compactSession({
      sessions,
      key,
      model,
      percentage: settings.percentage,
      reason: 'manual',
      lock,
      instruction: 'You are a helpful assistant.',
    });
    result.compactMs.push(performance.now() - started);
    if (outcome.status !== 'compacted') {
      throw new Error(`${provider} ${scenario}: expected a compaction, got ${outcome.status}`);
    }
    result.turnsCompacted = outcome.turnsCompacted;
  }
  await sessions.close();
  return result;
}
