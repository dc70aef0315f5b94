import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readConfigSchema } from './config-schemas.js';

type Schema = Record<string, unknown>;

const conditionalPart = /\/(if|then|else)(\/|$)/;

/** Visits every schema object under `schema` with its JSON-pointer location. */
function visitSchemas(
  schema: unknown,
  at: string,
  visit: (schema: Schema, at: string) => void,
): void {
  if (typeof schema !== 'object' || schema === null) return;
  if (Array.isArray(schema)) {
    schema.forEach((item, index) => visitSchemas(item, `${at}/${index}`, visit));
    return;
  }
  visit(schema as Schema, at);
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'default' || key === 'enum' || key === 'const') continue;
    visitSchemas(value, `${at}/${key}`, visit);
  }
}

describe.each(['agent', 'gateway'] as const)('the %s schema', (kind) => {
  const schema = readConfigSchema(kind);

  it('has a title and declares its draft', () => {
    expect(schema.title).toMatch(/^agent-mesh /);
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
  });

  it('rejects unknown keys in every object except the header map', () => {
    const open: string[] = [];
    visitSchemas(schema, '#', (node, at) => {
      // if/then/else hold partial schemas that add rules to the object they sit in.
      if (conditionalPart.test(at)) return;
      if (node.properties !== undefined && node.additionalProperties !== false) open.push(at);
      if (
        node.type === 'object' &&
        node.properties === undefined &&
        at !== '#/definitions/model/properties/headers'
      ) {
        open.push(at);
      }
    });
    expect(open).toEqual([]);
  });

  it('describes every property', () => {
    const undescribed: string[] = [];
    visitSchemas(schema, '#', (node, at) => {
      for (const [name, property] of Object.entries(
        (node.properties ?? {}) as Record<string, Schema>,
      )) {
        if (!conditionalPart.test(at) && typeof property.description !== 'string') {
          undescribed.push(`${at}/properties/${name}`);
        }
      }
    });
    expect(undescribed).toEqual([]);
  });
});

describe('the schemas together', () => {
  it('define the same pool settings', () => {
    const agentPool = (readConfigSchema('agent').definitions as Schema).pool;
    const gatewayPool = (readConfigSchema('gateway').definitions as Schema).pool;
    expect(gatewayPool).toEqual(agentPool);
  });
});

describe('docs/config-reference.md', () => {
  it('is what generate-config-reference.mjs produces from the schemas', () => {
    const script = fileURLToPath(
      new URL('../../scripts/generate-config-reference.mjs', import.meta.url),
    );
    const generated = execFileSync(process.execPath, [script, '--stdout'], { encoding: 'utf8' });
    const committed = readFileSync(
      fileURLToPath(new URL('../../../../docs/config-reference.md', import.meta.url)),
      'utf8',
    );
    // On failure, run: node packages/shared/scripts/generate-config-reference.mjs
    expect(committed).toBe(generated);
  });
});
