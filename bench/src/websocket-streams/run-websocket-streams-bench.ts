import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { sendAndWait } from '../gateway-turn/chat-turns.js';
import { cliEntry } from '../processes/start-bench-mesh.js';
import { HttpClient } from '../http/http-client.js';
import { findFreePort } from '../processes/find-free-port.js';
import { readRssMiB } from '../processes/peak-rss.js';
import { waitUntilReady } from '../processes/wait-until-ready.js';
import {
  createRow,
  createUnavailableRow,
  type BenchRow,
  type Reference,
} from '../report/bench-row.js';
import type { Target } from '../report/targets.js';
import { runConcurrently } from '../timing/run-concurrently.js';
import {
  measureLayers,
  type LayerSettings,
  type LayeredRun,
  type Probe,
} from './measure-layers.js';
import { isHeapSettled, readGauges, youngGenerationTotal } from './prometheus-gauges.js';
import { breakDownGrowth, type GrowthPerClient } from './rss-growth.js';
import { startBareWsServer } from './start-bare-ws-server.js';
import { fastAgentName, slowAgentName, startStreamingMesh } from './start-streaming-mesh.js';
import { BareStreamClient, GatewayStreamClient, type StreamClient } from './stream-clients.js';

/** The sizes of the run (issue 7: 1,000 sessions stored, 200 WebSocket clients each streaming a reply). */
export interface WebSocketStreamsSettings {
  streams: number;
  storedSessions: number;
  /** Browsers seeding the stored sessions at once. */
  seedConcurrency: number;
  /** The streaming agent's pause between words: long enough for every reply to stream at once. */
  wordDelayMs: number;
  /** Replies streamed (all at once) before the baseline, so the code paths are warm. */
  warmupStreams: number;
  /**
   * How long to wait after seeding for V8 to give back the heap the seeding grew (it does ~25 s after the
   * work stops), so the baseline is a gateway at rest rather than one caught mid-burst.
   */
  settleTimeoutMs: number;
  layers: LayerSettings;
}

export const webSocketStreamsSettings: WebSocketStreamsSettings = {
  streams: 200,
  storedSessions: 1000,
  seedConcurrency: 20,
  wordDelayMs: 250,
  warmupStreams: 10,
  settleTimeoutMs: 60_000,
  layers: { readingIntervalMs: 200, steadyReadings: 5, replyTimeoutMs: 60_000 },
};

const group = 'websocket-streams' as const;
const growthTarget: Target = { kind: 'below', limit: 50 };
// Neither "is" nor "my": the built-in model echoes it ("You said: …") instead of storing a fact.
const replyText =
  'Please stream these words back slowly: alpha bravo charlie delta echo foxtrot golf hotel india ' +
  'juliett kilo lima mike november oscar papa quebec romeo sierra tango';
const seedText = 'My favorite color is blue.';
/** prom-client's heap figures of the gateway (its /metrics): where RSS growth can come from. */
const heapGauges = [
  'nodejs_heap_size_used_bytes',
  'nodejs_heap_size_total_bytes',
  'nodejs_external_memory_bytes',
  ...['new', 'old'].flatMap((space) => [
    `nodejs_heap_space_size_used_bytes{space="${space}"}`,
    `nodejs_heap_space_size_total_bytes{space="${space}"}`,
  ]),
];

/** The gateway's run, with its RSS right after start-up (before anything was stored). */
interface GatewayRun extends LayeredRun {
  startedRssMiB: number | null;
  /** How long the heap took to settle after seeding; null when it had not within the timeout. */
  settledAfterMs: number | null;
}

/**
 * Gateway RSS per open WebSocket stream: a gateway on SQLite holding `storedSessions` chat sessions (one
 * finished turn each) while `streams` browsers (each its own user) stream a reply of the slow agent at
 * once, against a bare `ws` server streaming the same frames to as many clients. The baseline waits until
 * V8 has given back the heap the seeding grew (a gateway at rest). Both are measured step
 * by step — idle keep-alive connections, then open WebSockets, then replies streaming — so a missed
 * target shows which step the memory goes to. Without a built gateway the rows say "not available".
 */
export async function runWebSocketStreamsBench(
  settings: WebSocketStreamsSettings,
  log: (line: string) => void,
): Promise<BenchRow[]> {
  if (!existsSync(cliEntry)) return unavailable(`${cliEntry} is missing: run pnpm run build`);
  let reference: LayeredRun;
  let ours: GatewayRun;
  try {
    log(`websocket streams: bare ws server, ${settings.streams} clients`);
    reference = await measureBareWsServer(settings);
    log(
      `websocket streams: gateway, ${settings.storedSessions} sessions, ${settings.streams} clients`,
    );
    ours = await measureGateway(settings, log);
  } catch (error) {
    return unavailable(`the run failed: ${firstLines(error)}`);
  }
  return rowsOf(ours, reference, settings);
}

async function measureBareWsServer(settings: WebSocketStreamsSettings): Promise<LayeredRun> {
  const port = await findFreePort();
  const server = startBareWsServer(port);
  try {
    const url = `http://127.0.0.1:${port}`;
    await waitUntilReady([`${url}/`], [server], performance.now(), 10_000);
    const client = (index: number): StreamClient =>
      new BareStreamClient(url, index, replyText, settings.wordDelayMs);
    await warmUp(Array.from({ length: settings.warmupStreams }, (_, index) => client(-1 - index)));
    const clients = Array.from({ length: settings.streams }, (_, index) => client(index));
    try {
      return await measureLayers(server.pid, clients, settings.layers);
    } finally {
      clients.forEach((each) => each.close());
    }
  } finally {
    await server.stop();
  }
}

async function measureGateway(
  settings: WebSocketStreamsSettings,
  log: (line: string) => void,
): Promise<GatewayRun> {
  const mesh = await startStreamingMesh(settings.wordDelayMs);
  try {
    const startedRssMiB = readRssMiB(mesh.gateway.pid);
    const browsers = Array.from(
      { length: settings.streams },
      () => new HttpClient(mesh.gatewayUrl),
    );
    const sessionsPerBrowser = Math.ceil(settings.storedSessions / settings.streams);
    const started = performance.now();
    const warmupBrowsers = Array.from(
      { length: settings.warmupStreams },
      () => new HttpClient(mesh.gatewayUrl),
    );
    // The warm-up replies stream while the history is seeded: both are done before the baseline.
    const [streamSessions] = await Promise.all([
      seedSessions(browsers, sessionsPerBrowser, settings.seedConcurrency),
      (async () =>
        warmUp(
          await Promise.all(
            warmupBrowsers.map(
              async (browser) =>
                new GatewayStreamClient(
                  browser,
                  await createSession(browser, slowAgentName),
                  replyText,
                ),
            ),
          ),
        ))(),
    ]);
    log(
      `websocket streams: ${browsers.length * sessionsPerBrowser} sessions stored in ` +
        `${((performance.now() - started) / 1000).toFixed(1)} s; measuring`,
    );
    // Drop the seeding connections: the baseline has no client connected.
    browsers.forEach((browser) => browser.close());
    const heap: Probe = async () => {
      const response = await fetch(`${mesh.gatewayUrl}/metrics`);
      return readGauges(await response.text(), heapGauges);
    };
    const settledAfterMs = await waitUntilSettled(heap, settings.settleTimeoutMs);
    log(
      settledAfterMs === null
        ? 'websocket streams: the gateway heap did not settle; measuring anyway'
        : `websocket streams: gateway heap settled after ${(settledAfterMs / 1000).toFixed(1)} s`,
    );
    const clients = browsers.map(
      (browser, index) =>
        new GatewayStreamClient(browser, streamSessions[index] as string, replyText),
    );
    try {
      const run = await measureLayers(mesh.gateway.pid, clients, settings.layers, heap);
      return { ...run, startedRssMiB, settledAfterMs };
    } finally {
      clients.forEach((client) => client.close());
    }
  } finally {
    await mesh.stop();
  }
}

/**
 * Polls the heap every 500 ms (rarely enough not to keep the gateway allocating) until it settled;
 * resolves with the time that took, or null.
 */
async function waitUntilSettled(heap: Probe, timeoutMs: number): Promise<number | null> {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    if (isHeapSettled(await heap())) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return null;
}

/**
 * Each browser stores `perBrowser` chat sessions with the fast agent, one finished turn each, and makes
 * the session it will stream in (slow agent); `concurrency` browsers at a time. Returns those sessions.
 */
async function seedSessions(
  browsers: readonly HttpClient[],
  perBrowser: number,
  concurrency: number,
): Promise<string[]> {
  const streamSessions: string[] = [];
  const browsersPerWorker = Math.ceil(browsers.length / concurrency);
  await runConcurrently(concurrency, browsersPerWorker, async (worker, index) => {
    const position = worker * browsersPerWorker + index;
    const browser = browsers[position];
    if (browser === undefined) return;
    for (let made = 0; made < perBrowser; made += 1) {
      await sendAndWait(browser, await createSession(browser, fastAgentName), seedText);
    }
    streamSessions[position] = await createSession(browser, slowAgentName);
  });
  return streamSessions;
}

async function createSession(browser: HttpClient, agent: string): Promise<string> {
  const response = await browser.expect(201, 'POST', '/api/v1/sessions', { agent });
  return (response.body as { id: string }).id;
}

/** Every step of a run, all clients at once, to the end of their replies; then closes them. */
async function warmUp(clients: readonly StreamClient[]): Promise<void> {
  try {
    await Promise.all(
      clients.map(async (client) => {
        await client.holdKeepAlive();
        await client.openSocket();
        await client.startReply();
      }),
    );
    const deadline = Date.now() + webSocketStreamsSettings.layers.replyTimeoutMs;
    while (clients.some((client) => client.reply.outcome === undefined)) {
      if (Date.now() > deadline) throw new Error('a warm-up reply did not end in time');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const failed = clients.find((client) => client.reply.outcome?.correct !== true);
    if (failed !== undefined)
      throw new Error(`a warm-up reply failed: ${JSON.stringify(failed.reply.outcome)}`);
  } finally {
    clients.forEach((client) => client.close());
  }
}

function rowsOf(
  ours: GatewayRun,
  reference: LayeredRun,
  settings: WebSocketStreamsSettings,
): BenchRow[] {
  const base = { group, database: 'sqlite' };
  const oursGrowth = breakDownGrowth(ours.rss, settings.streams);
  const referenceGrowth = breakDownGrowth(reference.rss, settings.streams);
  const referenceLabel = `bare ws server, ${settings.streams} clients, same frames`;
  const failed = settings.streams - ours.completed;
  const outcome =
    failed === 0
      ? `all ${settings.streams} replies completed and their deltas added up to the final text`
      : `**${failed} of ${settings.streams} replies did not complete correctly** (${ours.failures.join(', ')})`;
  const heapText = describeHeap(ours.probed.baseline, ours.probed.streaming);
  const settleText =
    ours.settledAfterMs === null
      ? ' The gateway heap had not settled after seeding when the baseline was read.'
      : '';
  const stepRow = (name: string, step: keyof Omit<GrowthPerClient, 'total'>): BenchRow =>
    createRow({
      ...base,
      name,
      unit: 'KB',
      better: 'lower',
      value: oursGrowth[step],
      reference: { label: referenceLabel, value: referenceGrowth[step] },
    });
  const referenceBaseline: Reference = {
    label: `gateway before the clients connect`,
    value: ours.rss.baseline,
  };
  return [
    createRow({
      ...base,
      name: `gateway RSS growth per open WebSocket stream (${settings.streams} streams, ${settings.storedSessions.toLocaleString('en-US')} sessions stored)`,
      unit: 'KB',
      better: 'lower',
      value: oursGrowth.total,
      reference: { label: referenceLabel, value: referenceGrowth.total },
      target: growthTarget,
      note:
        `(max RSS while all ${settings.streams} replies streamed − median RSS at rest, heap settled, before any client connected) ÷ ` +
        `${settings.streams}; KB = 1,000 bytes. Each client is its own user with a keep-alive HTTP ` +
        `connection and a WebSocket; ${ours.streamingReadings.length} readings while all streamed. ` +
        `${outcome}.${settleText}${heapText}`,
      details: {
        settings,
        gatewayRssAfterStartMiB: ours.startedRssMiB,
        gatewayHeapSettledAfterMs: ours.settledAfterMs,
        gatewayHeap: ours.probed,
        ours: describeRun(ours, oursGrowth),
        reference: describeRun(reference, referenceGrowth),
      },
    }),
    stepRow('… of which an idle keep-alive HTTP connection', 'keepAlive'),
    stepRow('… of which an open WebSocket (one ping answered)', 'idleSocket'),
    stepRow('… of which a reply streaming on it', 'streaming'),
    createRow({
      ...base,
      name: `gateway RSS, ${settings.storedSessions.toLocaleString('en-US')} sessions stored, no client connected`,
      unit: 'MiB',
      better: 'lower',
      value: ours.rss.baseline,
      reference: { label: 'bare ws server, no client', value: reference.rss.baseline },
    }),
    createRow({
      ...base,
      name: `gateway RSS with ${settings.streams} WebSocket streams open (max)`,
      unit: 'MiB',
      better: 'lower',
      value: ours.rss.streaming,
      reference: referenceBaseline,
    }),
  ];
}

/**
 * The gateway's V8 heap before and while streaming, from its /metrics: RSS growth that is heap reserved
 * (young generation grown for the load, old space) rather than heap in use is V8 sizing, not data held.
 */
function describeHeap(
  before: Record<string, number> | undefined,
  during: Record<string, number> | undefined,
): string {
  if (before === undefined || during === undefined) return '';
  const change = (name: string): string => `${mib(before[name])} → ${mib(during[name])}`;
  return (
    ` Gateway V8 heap (its /metrics) before → while streaming, MiB: reserved ` +
    `${change('nodejs_heap_size_total_bytes')} (young generation ` +
    `${change(youngGenerationTotal)}, old space ` +
    `${change('nodejs_heap_space_size_total_bytes{space="old"}')}), in use, garbage included, ` +
    `${change('nodejs_heap_size_used_bytes')}.`
  );
}

function mib(bytes: number | undefined): string {
  return bytes === undefined ? '?' : (bytes / 1024 / 1024).toFixed(1);
}

function describeRun(run: LayeredRun, growth: GrowthPerClient): Record<string, unknown> {
  return {
    rssMiB: run.rss,
    streamingReadingsMiB: run.streamingReadings,
    growthPerClientKb: growth,
    completed: run.completed,
    failures: run.failures,
    deltasPerReply: run.deltasPerReply,
  };
}

function unavailable(reason: string): BenchRow[] {
  return [
    createUnavailableRow({
      group,
      name: 'gateway RSS growth per open WebSocket stream',
      database: 'sqlite',
      unit: 'KB',
      better: 'lower',
      target: growthTarget,
      reason,
    }),
  ];
}

/** The first lines of an error's message: enough for a footnote, not a whole process log. */
function firstLines(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n').slice(0, 3).join(' ');
}
