// Renders prisma/<schema>.prisma (written for PostgreSQL) for each provider and generates one Prisma
// client per (schema, provider) into src/database/generated/. Prisma needs one schema file per provider.
// `prisma generate` does not use the schema engine, but the CLI checks that one exists: we point it at
// any existing file because the real binary cannot be downloaded offline.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const schemas = ['gateway', 'agent'];
const providers = ['sqlite', 'postgresql', 'mysql'];

/** Returns the schema text for one provider: provider line, output path and native type attributes. */
export function renderSchema(source, schema, provider) {
  let text = source
    .replace(/provider = "postgresql"/, `provider = "${provider}"`)
    .replace(
      /output\s+= "[^"]*"/,
      `output       = "../../packages/shared/src/database/generated/${schema}-${provider}"`,
    );
  if (provider === 'sqlite') text = text.replace(/ @db\.Text/g, '');
  if (provider === 'mysql') text = text.replace(/@db\.Text/g, '@db.LongText');
  return `// GENERATED from prisma/${schema}.prisma by packages/shared/scripts/generate-prisma-clients.mjs. Do not edit.\n${text}`;
}

const require = createRequire(import.meta.url);
const prismaCli = require.resolve('prisma/build/index.js');
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY || !existsSync(env.PRISMA_SCHEMA_ENGINE_BINARY)) {
  env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;
}

const outDir = join(root, 'prisma/generated');
mkdirSync(outDir, { recursive: true });
for (const schema of schemas) {
  const source = readFileSync(join(root, `prisma/${schema}.prisma`), 'utf8');
  for (const provider of providers) {
    const file = join(outDir, `${schema}-${provider}.prisma`);
    writeFileSync(file, renderSchema(source, schema, provider));
    execFileSync(process.execPath, [prismaCli, 'generate', '--schema', file], {
      env,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
}
console.log(
  `prisma: generated ${schemas.length * providers.length} clients in packages/shared/src/database/generated/`,
);
