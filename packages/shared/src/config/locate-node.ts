/**
 * Where each value of a loaded config came from: a map from JSON pointer (ajv's `instancePath` form) to the
 * file, line and column of its YAML node and of its key. Values reached through aliases, merge keys and
 * `!include` point at the node that defined them, so errors point into included files.
 */
import { isWithinPointer } from './config-path.js';
import type { YamlFile } from './read-yaml-file.js';

/** A position in a config file; line and col are 1-based. */
export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

/** Where one value and, for object members, its key were written. */
export interface SourceEntry {
  value: SourceLocation;
  key?: SourceLocation;
}

/** JSON pointer → source of the value at that pointer. */
export type ConfigSourceMap = Map<string, SourceEntry>;

/** The 1-based line and column of a character offset in a parsed file. */
export function locateOffset(yaml: YamlFile, offset: number): SourceLocation {
  const { line, col } = yaml.lineCounter.linePos(offset);
  return { file: yaml.file, line, col };
}

/** The location of a node's first character, or of the file start when the node has no range. */
export function locateNode(
  yaml: YamlFile,
  node: { range?: unknown } | null | undefined,
): SourceLocation {
  const range = node?.range;
  const offset = Array.isArray(range) && typeof range[0] === 'number' ? range[0] : 0;
  return locateOffset(yaml, offset);
}

/**
 * Finds where to report a problem about `pointer`: its key (`prefer: 'key'`) or its value. Falls back to the
 * nearest ancestor that has a location (e.g. for a value the loader filled in from a default).
 */
export function locatePointer(
  sourceMap: ConfigSourceMap,
  pointer: string,
  prefer: 'key' | 'value',
): SourceLocation | undefined {
  let current = pointer;
  for (;;) {
    const entry = sourceMap.get(current);
    if (entry !== undefined) {
      if (prefer === 'key' && entry.key !== undefined) return entry.key;
      return entry.value;
    }
    if (current === '') return undefined;
    current = current.slice(0, current.lastIndexOf('/'));
  }
}

/** Tells whether a pointer is at or beneath any of the given pointers. */
export function isWithinAny(pointer: string, ancestors: ReadonlySet<string>): boolean {
  for (const ancestor of ancestors) {
    if (isWithinPointer(pointer, ancestor)) return true;
  }
  return false;
}
