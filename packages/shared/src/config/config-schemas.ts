/**
 * The JSON Schemas shipped in packages/shared/schema/ (the same files editors use through
 * `# yaml-language-server: $schema=…`), read once from disk beside the package.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ConfigKind } from './config-file.js';

/** Absolute paths of the shipped schema files; src/ and dist/ sit at the same depth, so one URL fits both. */
export const configSchemaPaths: Readonly<Record<ConfigKind, string>> = {
  agent: fileURLToPath(new URL('../../schema/agent.schema.json', import.meta.url)),
  gateway: fileURLToPath(new URL('../../schema/gateway.schema.json', import.meta.url)),
};

const cache = new Map<ConfigKind, Record<string, unknown>>();

/** Returns the parsed JSON Schema of one kind of config file (a fresh copy is not made; do not mutate). */
export function readConfigSchema(kind: ConfigKind): Record<string, unknown> {
  let schema = cache.get(kind);
  if (schema === undefined) {
    schema = JSON.parse(readFileSync(configSchemaPaths[kind], 'utf8')) as Record<string, unknown>;
    cache.set(kind, schema);
  }
  return schema;
}
