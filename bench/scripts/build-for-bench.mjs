// Builds what `pnpm bench` runs, and only what changed since the last build: the Prisma clients when their
// inputs changed (generating them takes seconds even when nothing did), then `tsc -b`, which is incremental.
// The web UI is left out: no benchmark loads it (without it the gateway serves a placeholder page), and
// `pnpm build` still builds it for everything else.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  realpathSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const shared = join(root, 'packages/shared');
const generator = join(shared, 'scripts/generate-prisma-clients.mjs');
const stampFile = join(root, 'node_modules/.cache/agent-mesh-bench/prisma-inputs.sha256');

/** The schemas, the generator and the Prisma packages it runs (their store folders name the versions). */
function prismaInputsHash() {
  const hash = createHash('sha256');
  const schemas = readdirSync(join(root, 'prisma'))
    .filter((name) => name.endsWith('.prisma'))
    .sort();
  for (const name of schemas) hash.update(name).update(readFileSync(join(root, 'prisma', name)));
  hash.update(readFileSync(generator));
  for (const dependency of ['prisma', '@prisma/client']) {
    hash.update(realpathSync(join(shared, 'node_modules', dependency)));
  }
  return {
    hash: hash.digest('hex'),
    schemas: schemas.map((name) => name.replace(/\.prisma$/, '')),
  };
}

/** True when one of the generator's clients (one per schema and provider) is missing. */
function clientMissing(schemas) {
  return schemas.some((schema) =>
    ['sqlite', 'postgresql', 'mysql'].some(
      (provider) =>
        !existsSync(join(shared, `src/database/generated/${schema}-${provider}/client.ts`)),
    ),
  );
}

const inputs = prismaInputsHash();
const stamp = existsSync(stampFile) ? readFileSync(stampFile, 'utf8').trim() : '';
if (stamp !== inputs.hash || clientMissing(inputs.schemas)) {
  execFileSync(process.execPath, [generator], { cwd: shared, stdio: 'inherit' });
  mkdirSync(dirname(stampFile), { recursive: true });
  writeFileSync(stampFile, `${inputs.hash}\n`);
} else {
  process.stderr.write('prisma: clients up to date, not generated again\n');
}
const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-b'], { cwd: root, stdio: 'inherit' });
