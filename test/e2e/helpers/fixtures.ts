import { join } from 'node:path';
import { repoRoot } from './mesh-process.js';

/** Absolute path of a file under test/fixtures, e.g. fixturePath('agents/recall-sql.yaml'). */
export function fixturePath(relativePath: string): string {
  return join(repoRoot, 'test/fixtures', relativePath);
}
