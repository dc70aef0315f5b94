import { setTimeout as sleep } from 'node:timers/promises';
import { readRssMiB } from '../processes/peak-rss.js';
import { median } from '../report/stats.js';
import type { LayeredRss } from './rss-growth.js';
import type { StreamClient } from './stream-clients.js';

/** Pace of the RSS readings. */
export interface LayerSettings {
  /** Pause between two RSS readings. */
  readingIntervalMs: number;
  /** Readings per steady step (their median is the step's RSS). */
  steadyReadings: number;
  /** How long every reply may take, from the first POST to the last message-end. */
  replyTimeoutMs: number;
}

/** Extra figures read once per step (e.g. the server's heap from /metrics), by name. */
export type Probe = () => Promise<Record<string, number>>;

/** The step a probe reading was taken at. */
export type Step = 'baseline' | 'keepAlive' | 'idleSockets' | 'streaming';

/** Streaming readings before the probe is read, so the replies are well under way. */
const readingsBeforeProbe = 5;

/** What one layered run measured on one server. */
export interface LayeredRun {
  rss: LayeredRss;
  /** Every reading taken while all replies were streaming at once (MiB). */
  streamingReadings: number[];
  /** Replies that completed with deltas adding up to their final text. */
  completed: number;
  /** Why the others did not, one entry per distinct reason with its count. */
  failures: string[];
  /** Median number of deltas a reply received. */
  deltasPerReply: number;
  /** The probe's figures at each step (streaming: once, while every reply streamed). */
  probed: Partial<Record<Step, Record<string, number>>>;
}

/**
 * Reads a server's RSS while `clients` connect step by step: none (baseline), each an idle keep-alive
 * HTTP connection, each also an open WebSocket, each also a reply streaming on it. Steady steps report
 * the median of a few readings; the streaming step the maximum of the readings taken while every reply
 * had received a delta and none had ended. The optional `probe` is read after each step's RSS readings.
 * Throws when the replies were never all streaming at once.
 */
export async function measureLayers(
  pid: number,
  clients: readonly StreamClient[],
  settings: LayerSettings,
  probe?: Probe,
): Promise<LayeredRun> {
  const probed: LayeredRun['probed'] = {};
  const readProbe = async (step: Step): Promise<void> => {
    if (probe !== undefined) probed[step] = await probe();
  };
  const read = (): number => {
    const rss = readRssMiB(pid);
    if (rss === null) throw new Error(`cannot read the RSS of process ${pid} (gone?)`);
    return rss;
  };
  const steady = async (): Promise<number> => {
    const readings: number[] = [];
    for (let index = 0; index < settings.steadyReadings; index += 1) {
      if (index > 0) await sleep(settings.readingIntervalMs);
      readings.push(read());
    }
    return median(readings);
  };
  const baseline = await steady();
  await readProbe('baseline');
  await Promise.all(clients.map((client) => client.holdKeepAlive()));
  const keepAlive = await steady();
  await readProbe('keepAlive');
  await Promise.all(clients.map((client) => client.openSocket()));
  const idleSockets = await steady();
  await readProbe('idleSockets');

  const deadline = Date.now() + settings.replyTimeoutMs;
  await Promise.all(clients.map((client) => client.startReply()));
  const streamingReadings: number[] = [];
  const ended = (): boolean => clients.some((client) => client.reply.outcome !== undefined);
  while (!ended() && Date.now() < deadline) {
    if (clients.every((client) => client.reply.streaming)) {
      streamingReadings.push(read());
      if (streamingReadings.length === readingsBeforeProbe) await readProbe('streaming');
    }
    await sleep(settings.readingIntervalMs);
  }
  while (clients.some((client) => client.reply.outcome === undefined) && Date.now() < deadline) {
    await sleep(settings.readingIntervalMs);
  }
  for (const client of clients)
    client.reply.fail(`no message-end within ${settings.replyTimeoutMs} ms`);
  if (streamingReadings.length === 0) {
    throw new Error(
      `the ${clients.length} replies were never all streaming at once (the first ended before the last ` +
        'began): make the replies longer or slower',
    );
  }
  return {
    rss: { baseline, keepAlive, idleSockets, streaming: Math.max(...streamingReadings) },
    streamingReadings,
    completed: clients.filter((client) => client.reply.outcome?.correct === true).length,
    failures: countReasons(clients),
    deltasPerReply: median(clients.map((client) => client.reply.deltas)),
    probed,
  };
}

function countReasons(clients: readonly StreamClient[]): string[] {
  const counts = new Map<string, number>();
  for (const client of clients) {
    const outcome = client.reply.outcome;
    if (outcome === undefined || outcome.correct) continue;
    const reason = outcome.detail ?? outcome.status;
    counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  return [...counts].map(([reason, count]) => `${count} × ${reason}`);
}
