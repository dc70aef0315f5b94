import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { DatabaseProvider } from '@agent-mesh/shared';
import { HttpClient } from '../http/http-client.js';
import { findFreePort } from '../processes/find-free-port.js';
import { readPeakRssMiB } from '../processes/peak-rss.js';
import { startBareNodeServer } from '../processes/start-bare-node-server.js';
import { waitUntilReady } from '../processes/wait-until-ready.js';
import {
  createRow,
  createUnavailableRow,
  type BenchRow,
  type Reference,
} from '../report/bench-row.js';
import type { Target } from '../report/targets.js';
import {
  benchClientCpuMeter,
  machineCpuMeter,
  postgresServerCpuMeter,
  processCpuMeter,
  type CpuMeter,
} from './cpu-meters.js';
import { measureTurnLatency, measureTurnThroughput } from './measure-turns.js';
import { cliEntry } from '../processes/start-bench-mesh.js';
import { startMesh, type RunningMesh } from './start-mesh.js';
import {
  agentStreamDriver,
  gatewayRestDriver,
  gatewaySocketDriver,
  type TurnDriverFactory,
} from './turn-drivers.js';
import { turnCpuBudget, type DatabaseServerCpu, type TurnCpuBudget } from './turn-cpu-budget.js';

/** Repetitions of the gateway-turn benchmarks. */
export interface GatewayTurnSettings {
  providers: DatabaseProvider[];
  warmup: number;
  latencyRuns: number;
  concurrency: number;
  turnsPerWorker: number;
  rounds: number;
}

/**
 * Quick (`pnpm bench`) or full (`--full`) settings; SQLite and PostgreSQL as the issue asks, narrowed to
 * the `--providers` given.
 */
export function gatewayTurnSettings(
  full: boolean,
  providers: readonly DatabaseProvider[],
): GatewayTurnSettings {
  return {
    providers: providers.filter((provider) => provider === 'sqlite' || provider === 'postgresql'),
    warmup: full ? 20 : 5,
    latencyRuns: full ? 300 : 40,
    concurrency: 50,
    turnsPerWorker: full ? 10 : 3,
    rounds: full ? 2 : 1,
  };
}

const referenceLabel = 'agent alone, A2A message/stream';
const p50Target: Target = { kind: 'below', limit: 10 };
const p99Target: Target = { kind: 'below', limit: 30 };
const throughputTarget: Target = { kind: 'at-least', limit: 300 };

/**
 * Runs a real agent and a real gateway per provider and measures whole chat turns through the gateway
 * (REST `?wait=true`, then WebSocket streaming) beside the agent alone, plus each process's peak RSS
 * beside a bare Node server's. Without a built gateway every row says "not available".
 */
export async function runGatewayTurnBench(
  settings: GatewayTurnSettings,
  log: (line: string) => void,
): Promise<BenchRow[]> {
  if (!existsSync(cliEntry))
    return unavailable(settings, `${cliEntry} is missing: run pnpm run build`);
  log('gateway turn: bare Node reference process');
  const bareRss = await measureBareNodeRss();
  const rows: BenchRow[] = [];
  for (const provider of settings.providers) {
    let mesh: RunningMesh;
    try {
      log(`${provider}: starting agent and gateway`);
      mesh = await startMesh(provider);
    } catch (error) {
      rows.push(...unavailable({ ...settings, providers: [provider] }, firstLines(error)));
      continue;
    }
    try {
      rows.push(...(await benchMesh(mesh, provider, settings, bareRss, log)));
    } catch (error) {
      // Keep the other groups' figures: one broken turn path becomes a row that says why.
      rows.push(
        ...unavailable(
          { ...settings, providers: [provider] },
          `the run failed: ${firstLines(error)}`,
        ),
      );
    } finally {
      await mesh.stop();
    }
  }
  return rows;
}

async function benchMesh(
  mesh: RunningMesh,
  provider: DatabaseProvider,
  settings: GatewayTurnSettings,
  bareRss: Reference,
  log: (line: string) => void,
): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const base = { group: 'gateway-turn' as const, database: provider };
  const reference = agentStreamDriver(mesh.agentUrl);
  const ways: [string, TurnDriverFactory][] = [
    ['REST ?wait=true', gatewayRestDriver(mesh.gatewayUrl)],
    ['WebSocket stream', gatewaySocketDriver(mesh.gatewayUrl)],
  ];
  for (const [way, ours] of ways) {
    log(`${provider}: ${way} turns at concurrency 1`);
    const latency = await measureTurnLatency(
      ours,
      reference,
      settings.warmup,
      settings.latencyRuns,
    );
    for (const [percentile, target] of [
      ['p50', p50Target],
      ['p99', p99Target],
    ] as const) {
      rows.push(
        createRow({
          ...base,
          name: `turn via ${way}, concurrency 1, ${percentile}`,
          unit: 'ms',
          better: 'lower',
          value: latency.ours[percentile],
          summary: latency.ours,
          reference: {
            label: referenceLabel,
            value: latency.reference[percentile],
            summary: latency.reference,
          },
          target,
          details: { turns: settings.latencyRuns },
        }),
      );
    }
    log(`${provider}: ${way} turns at concurrency ${settings.concurrency}`);
    const throughput = await measureTurnThroughput(
      ours,
      reference,
      settings.concurrency,
      settings.turnsPerWorker,
      settings.rounds,
      cpuMeters(mesh, provider),
    );
    const cores = availableParallelism();
    const databaseServer = databaseServerCpu(provider, throughput.cpuMsPerTurn.ours);
    const budget = turnCpuBudget(throughput.cpuMsPerTurn.ours, cores, databaseServer);
    const cpuDetails = {
      cpuMsPerTurn: throughput.cpuMsPerTurn,
      cpuBudget: {
        ours: budget,
        reference: turnCpuBudget(throughput.cpuMsPerTurn.reference, cores, databaseServer),
      },
    };
    rows.push(
      createRow({
        ...base,
        name: `turns via ${way}, concurrency ${settings.concurrency}`,
        unit: 'turns/s',
        better: 'higher',
        value: throughput.ours,
        reference: { label: referenceLabel, value: throughput.reference },
        target: throughputTarget,
        details: {
          turns: settings.concurrency * settings.turnsPerWorker,
          rounds: settings.rounds,
          ...cpuDetails,
        },
      }),
    );
    const { gateway = 0, agent = 0 } = throughput.cpuMsPerTurn.ours;
    const oursCpu = gateway + agent;
    // The gateway idles during the reference run; only the agent's CPU is the reference's cost.
    const referenceCpu = throughput.cpuMsPerTurn.reference.agent ?? 0;
    if (oursCpu > 0 && referenceCpu > 0) {
      rows.push(
        createRow({
          ...base,
          name: `CPU time per turn via ${way} (gateway + agent), concurrency ${settings.concurrency}`,
          unit: 'ms',
          better: 'lower',
          value: oursCpu,
          reference: { label: `${referenceLabel}: agent CPU`, value: referenceCpu },
          note:
            'CPU time from /proc/<pid>/stat over the concurrent run, divided by its turns: unlike wall time ' +
            'it hardly moves when other work shares the cores.',
          details: cpuDetails,
        }),
      );
    }
    if (budget !== null) rows.push(...ceilingRows(base, way, settings, throughput.ours, budget));
  }
  for (const child of [mesh.gateway, mesh.agent]) {
    const peak = readPeakRssMiB(child.pid);
    if (peak === null) continue;
    rows.push(
      createRow({
        ...base,
        name: `peak RSS of the ${child.name} process`,
        unit: 'MiB',
        better: 'lower',
        value: peak,
        reference: bareRss,
      }),
    );
  }
  return rows;
}

/**
 * What the throughput runs charge to the turns: gateway and agent, the local PostgreSQL server's work for
 * their two databases (none on SQLite, which works inside them), and the bench client itself — listed
 * last, so its figure leaves out the others' reading of /proc; and, first, the whole machine, to tell
 * what other work on the shared cores took.
 */
function cpuMeters(mesh: RunningMesh, provider: DatabaseProvider): CpuMeter[] {
  return [
    machineCpuMeter(),
    processCpuMeter('gateway', mesh.gateway.pid),
    processCpuMeter('agent', mesh.agent.pid),
    ...(provider === 'postgresql' ? [postgresServerCpuMeter(mesh.databaseNames)] : []),
    benchClientCpuMeter('client'),
  ];
}

function databaseServerCpu(
  provider: DatabaseProvider,
  cpuMsPerTurn: Record<string, number>,
): DatabaseServerCpu {
  if (provider === 'sqlite') return 'in-process';
  return cpuMsPerTurn.database === undefined ? 'not measured' : 'measured';
}

const databaseServerWords: Record<DatabaseServerCpu, string> = {
  'in-process': 'SQLite works inside gateway and agent, so there is no server',
  measured:
    'the database server is the local PostgreSQL: the backends of the two databases plus its shared ' +
    'background processes, from /proc (other databases’ backends are left out)',
  'not measured':
    'the database server was not measured (no PostgreSQL process in /proc), so it is left out',
};

/**
 * The turns/s this machine's cores could give if CPU were the only limit: cores × 1000 ÷ CPU ms per turn,
 * with and without the bench client, beside the turns/s measured in the same run.
 */
function ceilingRows(
  base: { group: 'gateway-turn'; database: DatabaseProvider },
  way: string,
  settings: GatewayTurnSettings,
  measured: number,
  budget: TurnCpuBudget,
): BenchRow[] {
  const reference: Reference = {
    label: `measured turns via ${way}, concurrency ${settings.concurrency}, same run`,
    value: measured,
  };
  const how =
    `${budget.cores} cores × 1000 ÷ CPU ms per turn summed over the processes of the concurrent run; ` +
    `${databaseServerWords[budget.databaseServer]}. An upper bound: it assumes the cores do nothing ` +
    'else; what other work on the shared machine took is othersMsPerTurn in the results file.';
  return [
    createRow({
      ...base,
      name: `turns/s ceiling via ${way} from CPU per turn (gateway + agent + db server + bench client)`,
      unit: 'turns/s',
      better: 'higher',
      value: budget.ceilingWithClient,
      reference,
      note: `${how} The bench client runs on the same cores, so this is the most this bench can measure here.`,
      details: { ...budget },
    }),
    createRow({
      ...base,
      name: `turns/s ceiling via ${way} from CPU per turn without the bench client (gateway + agent + db server)`,
      unit: 'turns/s',
      better: 'higher',
      value: budget.ceilingWithoutClient,
      reference,
      note: `${how} Without the client: what the deployment alone could do with these cores.`,
      details: { ...budget },
    }),
  ];
}

/** Peak RSS of a bare Node HTTP server after a few requests: what any Node process costs here. */
async function measureBareNodeRss(): Promise<Reference> {
  const port = await findFreePort();
  const bare = startBareNodeServer(port);
  try {
    const url = `http://127.0.0.1:${port}/`;
    await waitUntilReady([url], [bare], performance.now(), 10_000);
    const client = new HttpClient(url);
    for (let index = 0; index < 100; index += 1) await client.request('GET', '/');
    client.close();
    return { label: 'bare Node HTTP server', value: readPeakRssMiB(bare.pid) ?? 0 };
  } finally {
    await bare.stop();
  }
}

/** The first lines of an error's message: enough for a footnote, not a whole process log. */
function firstLines(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n').slice(0, 3).join(' ');
}

function unavailable(settings: GatewayTurnSettings, reason: string): BenchRow[] {
  return settings.providers.flatMap((database) => [
    createUnavailableRow({
      group: 'gateway-turn',
      name: 'turn via REST ?wait=true, concurrency 1, p50',
      database,
      unit: 'ms',
      better: 'lower',
      target: p50Target,
      reason,
    }),
    createUnavailableRow({
      group: 'gateway-turn',
      name: `turns via REST ?wait=true, concurrency ${settings.concurrency}`,
      database,
      unit: 'turns/s',
      better: 'higher',
      target: throughputTarget,
      reason,
    }),
  ]);
}
