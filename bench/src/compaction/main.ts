// Runs the compaction benchmark on its own: `node bench/dist/compaction/main.js [--events N] [--runs N]`
// (build first with `npx tsc -b bench`). Progress to stderr, the table to stdout; never fails on time.
import { formatCompactionResults } from './format-compaction-results.js';
import { runCompactionBench } from './run-compaction-bench.js';

function numberArgument(name: string): number | undefined {
  const index = process.argv.indexOf(`--${name}`);
  if (index < 0) return undefined;
  const value = Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`--${name} needs a positive whole number, got ${process.argv[index + 1]}`);
  }
  return value;
}

const events = numberArgument('events');
const runs = numberArgument('runs');
runCompactionBench({
  ...(events === undefined ? {} : { events }),
  ...(runs === undefined ? {} : { runs }),
  log: (line) => process.stderr.write(`[compaction bench] ${line}\n`),
}).then(
  (results) => process.stdout.write(`${formatCompactionResults(results)}\n`),
  (error: unknown) => {
    process.stderr.write(
      `compaction bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
