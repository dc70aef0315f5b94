// The bench entry (`pnpm bench [--full]`): wiring only. Each group measures ours beside its reference in
// the same run; the table goes to stdout, progress to stderr, everything to bench/results/<timestamp>.json.
import { fileURLToPath } from 'node:url';
import { parseBenchArgs } from './bench-options.js';
import { readDatabaseVersions } from './raw-driver/read-database-versions.js';
import type { BenchRow } from './report/bench-row.js';
import { describeMachine, formatMachine, readLoadAverage } from './report/describe-machine.js';
import { formatTable } from './report/format-table.js';
import { writeResults } from './report/write-results.js';
import { gatewayTurnSettings, runGatewayTurnBench } from './gateway-turn/run-gateway-turn-bench.js';
import { runSessionStoreBench } from './session-store/run-session-store-bench.js';
import { sessionStoreSettings } from './session-store/session-store-settings.js';
import { runStartupBench } from './startup/run-startup-bench.js';
import { runCompactionBench } from './compaction/index.js';
import { compactionRows } from './compaction/compaction-rows.js';
import { runScaleBench } from './scale/run-scale-bench.js';
import {
  runWebSocketStreamsBench,
  webSocketStreamsSettings,
} from './websocket-streams/run-websocket-streams-bench.js';

const resultsFolder = fileURLToPath(new URL('../results/', import.meta.url));

async function main(): Promise<void> {
  const options = parseBenchArgs(process.argv.slice(2));
  const startedAt = new Date();
  const log = (line: string): void => {
    process.stderr.write(
      `[bench ${((Date.now() - startedAt.getTime()) / 1000).toFixed(1)}s] ${line}\n`,
    );
  };
  const machine = describeMachine(await readDatabaseVersions());
  log(`${options.full ? 'full' : 'quick'} run on ${formatMachine(machine)}`);
  const rows: BenchRow[] = [];
  if (options.groups.includes('session-store')) {
    rows.push(
      ...(await runSessionStoreBench(options.providers, sessionStoreSettings(options.full), log)),
    );
  }
  if (options.groups.includes('gateway-turn')) {
    rows.push(
      ...(await runGatewayTurnBench(gatewayTurnSettings(options.full, options.providers), log)),
    );
  }
  if (options.groups.includes('startup')) {
    rows.push(...(await runStartupBench(options.full ? 5 : 3, log)));
  }
  if (options.groups.includes('compaction')) {
    const providers = options.providers.filter((provider) => provider !== 'mysql');
    rows.push(
      ...compactionRows(await runCompactionBench({ providers, runs: options.full ? 5 : 3, log })),
    );
  }
  if (options.groups.includes('scale')) {
    rows.push(...(await runScaleBench({ full: options.full, log })));
  }
  if (options.groups.includes('websocket-streams')) {
    rows.push(...(await runWebSocketStreamsBench(webSocketStreamsSettings, log)));
  }
  machine.loadAverage.end = readLoadAverage();
  const file = writeResults(resultsFolder, {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    mode: options.full ? 'full' : 'quick',
    machine,
    rows,
  });
  process.stdout.write(
    `\n${formatMachine(machine)} (${options.full ? 'full' : 'quick'} run)\n\n${formatTable(rows)}\n\nResults: ${file}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
