import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temp folder for one test file; `remove()` deletes it with everything inside. */
export interface TempDir {
  path: string;
  /** Writes a file inside the folder (e.g. a YAML config) and returns its absolute path. */
  write(name: string, content: string): string;
  remove(): void;
}

/** Creates a temp folder named `agent-mesh-<prefix>-…`. */
export function createTempDir(prefix: string): TempDir {
  const path = mkdtempSync(join(tmpdir(), `agent-mesh-${prefix}-`));
  return {
    path,
    write(name, content) {
      const file = join(path, name);
      writeFileSync(file, content);
      return file;
    },
    remove() {
      rmSync(path, { recursive: true, force: true });
    },
  };
}
