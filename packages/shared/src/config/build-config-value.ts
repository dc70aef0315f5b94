/**
 * Turns a parsed YAML document into a plain value while recording where every value came from. It resolves
 * aliases, merge keys (`<<`) and `!include`, substitutes `${VAR}` in string scalars, and collects every
 * problem instead of stopping at the first.
 */
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { isAlias, isMap, isNode, isScalar, isSeq } from 'yaml';
import type { Node, YAMLMap } from 'yaml';
import { isMeshError } from '../errors/mesh-error.js';
import type { ConfigProblem } from './config-file.js';
import { appendPointer, displayPath } from './config-path.js';
import { isIncludeNode } from './include-tag.js';
import { locateNode, locateOffset } from './locate-node.js';
import type { ConfigSourceMap, SourceLocation } from './locate-node.js';
import { readYamlFile } from './read-yaml-file.js';
import type { YamlFile } from './read-yaml-file.js';
import { substituteEnv } from './substitute-env.js';
import type { ConfigEnv } from './substitute-env.js';

/** A config document as plain data, with its source map and the problems found while building it. */
export interface BuiltConfigValue {
  /** The document as plain data; undefined when the file could not be parsed. */
  value: unknown;
  sourceMap: ConfigSourceMap;
  /** Pointers whose problem is already reported; schema errors at or beneath them are not repeated. */
  reported: Set<string>;
  problems: ConfigProblem[];
  /** Absolute paths of every file pulled in with `!include`. */
  includedFiles: string[];
}

/** Options of buildConfigValue. */
export interface BuildConfigValueOptions {
  env: ConfigEnv;
  /** Top-level keys whose values are not built (anchor holders such as `shared` and `x-*`). */
  isOpaqueTopLevelKey?: (key: string) => boolean;
}

/** A map entry after merge keys are applied: the key and value nodes and the file they are written in. */
interface MapEntry {
  key: string;
  keyNode: Node;
  valueNode: unknown;
  yaml: YamlFile;
}

/** Builds the plain value of `root`'s document; see the module comment. */
export function buildConfigValue(
  root: YamlFile,
  options: BuildConfigValueOptions,
): BuiltConfigValue {
  const builder = new ConfigValueBuilder(root, options);
  return builder.build();
}

class ConfigValueBuilder {
  private readonly sourceMap: ConfigSourceMap = new Map();
  private readonly reported = new Set<string>();
  private readonly problems: ConfigProblem[] = [];
  private readonly includeStack: YamlFile[] = [];
  private readonly includeCache = new Map<string, YamlFile>();
  private readonly includedFiles = new Set<string>();
  /** Nodes being built, to catch an alias that refers to its own ancestor. */
  private readonly activeNodes = new Set<Node>();

  constructor(
    private readonly root: YamlFile,
    private readonly options: BuildConfigValueOptions,
  ) {}

  build(): BuiltConfigValue {
    this.problems.push(...this.root.problems);
    let value: unknown;
    // After a syntax error the parser still returns the part it understood; building it lets one run
    // report the misspelt keys and missing variables too, not only the syntax error.
    if (this.root.document.contents !== null) {
      this.includeStack.push(this.root);
      value = this.buildNode(this.root, this.root.document.contents, '', undefined, {
        file: this.root.file,
        line: 1,
        col: 1,
      });
      this.includeStack.pop();
    }
    return {
      value,
      sourceMap: this.sourceMap,
      reported: this.reported,
      problems: this.problems,
      includedFiles: [...this.includedFiles],
    };
  }

  private buildNode(
    yaml: YamlFile,
    node: unknown,
    pointer: string,
    key: SourceLocation | undefined,
    fallback: SourceLocation,
  ): unknown {
    if (!isNode(node) && !isAlias(node)) {
      this.sourceMap.set(pointer, { value: key ?? fallback, key });
      this.reportEmpty(pointer, key ?? fallback);
      return null;
    }
    const location = locateNode(yaml, node);
    if (isAlias(node)) {
      const target = node.resolve(yaml.document);
      if (target === undefined) {
        // The parser resolves aliases lazily and does not report an unknown anchor itself.
        this.sourceMap.set(pointer, { value: location, key });
        this.report(
          location,
          pointer,
          `refers to an unknown anchor *${node.source}; define it with &${node.source} before using it`,
        );
        return undefined;
      }
      return this.buildNode(yaml, target, pointer, key, location);
    }
    if (this.activeNodes.has(node)) {
      this.report(location, pointer, 'refers to a value that contains it (a recursive alias)');
      return undefined;
    }
    if (isIncludeNode(node)) return this.buildInclude(yaml, node, pointer, key);
    this.sourceMap.set(pointer, { value: location, key });
    if (isScalar(node))
      return this.buildScalar(yaml, node.value, node.range, pointer, location, key);
    this.activeNodes.add(node);
    try {
      if (isMap(node)) return this.buildMap(yaml, node, pointer);
      if (isSeq(node)) {
        return node.items.map((item, index) =>
          this.buildNode(yaml, item, appendPointer(pointer, index), undefined, location),
        );
      }
    } finally {
      this.activeNodes.delete(node);
    }
    this.report(location, pointer, 'is not a value agent-mesh understands');
    return undefined;
  }

  private buildScalar(
    yaml: YamlFile,
    value: unknown,
    range: readonly number[] | null | undefined,
    pointer: string,
    location: SourceLocation,
    key: SourceLocation | undefined,
  ): unknown {
    if (value === null || value === undefined) {
      this.reportEmpty(pointer, key ?? location);
      return null;
    }
    if (typeof value !== 'string') return value;
    const result = substituteEnv(value, this.options.env);
    if (result.problems.length > 0) {
      this.reported.add(pointer);
      const source = range ? yaml.text.slice(range[0], range[1]) : '';
      for (const problem of result.problems) {
        const at = source.indexOf(problem.expression);
        const place = at >= 0 && range ? locateOffset(yaml, (range[0] ?? 0) + at) : location;
        this.problems.push({ ...place, path: displayPath(pointer), message: problem.message });
      }
    }
    return result.value;
  }

  private buildMap(yaml: YamlFile, node: YAMLMap, pointer: string): Record<string, unknown> {
    const output: Record<string, unknown> = {};
    for (const entry of this.mapEntries(yaml, node, pointer)) {
      const entryPointer = appendPointer(pointer, entry.key);
      const keyLocation = locateNode(entry.yaml, entry.keyNode);
      let value: unknown;
      if (pointer === '' && this.options.isOpaqueTopLevelKey?.(entry.key)) {
        this.sourceMap.set(entryPointer, { value: keyLocation, key: keyLocation });
        value = null;
      } else {
        value = this.withinFile(entry.yaml, yaml, () =>
          this.buildNode(entry.yaml, entry.valueNode, entryPointer, keyLocation, keyLocation),
        );
      }
      // An empty value (`key:`) is reported once and left out, so it is not also "required".
      if (value === null && this.reported.has(entryPointer)) continue;
      Object.defineProperty(output, entry.key, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return output;
  }

  /** The entries of a map with merge keys applied: explicit keys win, then merge sources in order. */
  private mapEntries(yaml: YamlFile, node: YAMLMap, pointer: string): MapEntry[] {
    const entries = new Map<string, MapEntry>();
    const merges: unknown[] = [];
    for (const pair of node.items) {
      const keyNode = pair.key;
      if (isScalar(keyNode) && isMergeKeyValue(keyNode.value)) {
        merges.push(pair.value);
        continue;
      }
      if (!isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === 'object') {
        const location = isNode(keyNode) ? locateNode(yaml, keyNode) : locateNode(yaml, node);
        this.report(location, pointer, 'has a key that is not a plain string');
        continue;
      }
      const key = String(keyNode.value);
      entries.set(key, { key, keyNode, valueNode: pair.value, yaml });
    }
    for (const merge of merges) {
      for (const source of this.mergeSources(yaml, merge, pointer)) {
        const merged = this.withinFile(source.yaml, yaml, () =>
          this.mapEntries(source.yaml, source.node, pointer),
        );
        for (const entry of merged) {
          if (!entries.has(entry.key)) entries.set(entry.key, entry);
        }
      }
    }
    return [...entries.values()];
  }

  /**
   * Runs `work` with `file` on the include stack when it is not the file being built (`current`): a
   * value merged (`<<`) from an included file is built later, and its own includes must still see the
   * chain that led to it, or an include cycle through a merge key would recurse without end.
   */
  private withinFile<T>(file: YamlFile, current: YamlFile, work: () => T): T {
    if (file === current || this.includeStack.includes(file)) return work();
    this.includeStack.push(file);
    try {
      return work();
    } finally {
      this.includeStack.pop();
    }
  }

  /** Resolves the value of a `<<` key (a map, an alias, an include, or a list of those) to maps. */
  private mergeSources(
    yaml: YamlFile,
    value: unknown,
    pointer: string,
  ): Array<{ yaml: YamlFile; node: YAMLMap }> {
    const target = isAlias(value) ? value.resolve(yaml.document) : value;
    if (isSeq(target)) {
      return target.items.flatMap((item) =>
        isSeq(item) ? [] : this.mergeSources(yaml, item, pointer),
      );
    }
    if (isMap(target)) return [{ yaml, node: target }];
    if (isNode(target) && isIncludeNode(target)) {
      const included = this.readInclude(yaml, target, pointer);
      if (included === undefined) return [];
      const contents = included.document.contents;
      if (isMap(contents)) return [{ yaml: included, node: contents }];
      this.report(
        locateNode(included, contents),
        pointer,
        'merges (<<) an included file that is not a mapping',
      );
      return [];
    }
    const location = isNode(target)
      ? locateNode(yaml, target)
      : locateNode(yaml, isNode(value) ? value : null);
    this.report(
      location,
      pointer,
      'merges (<<) a value that is not a mapping; merge keys take a mapping, an alias or a list of them',
    );
    return [];
  }

  private buildInclude(
    yaml: YamlFile,
    node: Node,
    pointer: string,
    key: SourceLocation | undefined,
  ): unknown {
    const included = this.readInclude(yaml, node, pointer);
    if (included === undefined) {
      this.sourceMap.set(pointer, { value: locateNode(yaml, node), key });
      return undefined;
    }
    this.includeStack.push(included);
    try {
      return this.buildNode(included, included.document.contents, pointer, key, {
        file: included.file,
        line: 1,
        col: 1,
      });
    } finally {
      this.includeStack.pop();
    }
  }

  /** Reads the file an `!include` node names, reporting a bad path, a missing file or a cycle. */
  private readInclude(yaml: YamlFile, node: Node, pointer: string): YamlFile | undefined {
    const location = locateNode(yaml, node);
    const fail = (message: string): undefined => {
      this.report(location, pointer, message);
      return undefined;
    };
    if (!isScalar(node) || typeof node.value !== 'string' || node.value.trim() === '') {
      return fail('has an !include without a file path; write !include relative/path.yaml');
    }
    const substituted = substituteEnv(node.value.trim(), this.options.env);
    if (substituted.problems.length > 0) {
      return fail(
        `has an !include path that ${substituted.problems.map((p) => p.message).join('; ')}`,
      );
    }
    const relativePath = substituted.value;
    const absolutePath = resolve(dirname(yaml.absolutePath), relativePath);
    const shownPath = isAbsolute(relativePath)
      ? relativePath
      : join(dirname(yaml.file), relativePath);
    const cycleStart = this.includeStack.findIndex((entry) => entry.absolutePath === absolutePath);
    if (cycleStart >= 0) {
      const chain = [...this.includeStack.slice(cycleStart).map((entry) => entry.file), shownPath];
      return fail(`includes ${relativePath}, which forms an include cycle: ${chain.join(' -> ')}`);
    }
    let included = this.includeCache.get(absolutePath);
    if (included === undefined) {
      try {
        included = readYamlFile(shownPath, absolutePath);
      } catch (error) {
        if (!isMeshError(error, 'CONFIG_NOT_FOUND')) throw error;
        return fail(
          `includes ${relativePath}, but ${shownPath} ${describeReadFailure(error.message, shownPath)}`,
        );
      }
      this.includeCache.set(absolutePath, included);
      this.problems.push(...included.problems);
    }
    this.includedFiles.add(absolutePath);
    if (included.problems.length > 0) {
      this.reported.add(pointer);
      return undefined;
    }
    return included;
  }

  private reportEmpty(pointer: string, location: SourceLocation): void {
    this.report(location, pointer, 'has no value; give it one or remove the key');
  }

  private report(location: SourceLocation, pointer: string, message: string): void {
    this.reported.add(pointer);
    this.problems.push({ ...location, path: displayPath(pointer), message });
  }
}

function isMergeKeyValue(value: unknown): boolean {
  return typeof value === 'symbol' && value.description === '<<';
}

/** Keeps the reason of a CONFIG_NOT_FOUND message ("does not exist") without repeating the path. */
function describeReadFailure(message: string, shownPath: string): string {
  const prefix = `Config file ${shownPath} `;
  const reason = message.startsWith(prefix) ? message.slice(prefix.length) : message;
  return reason.replace(/\.$/, '');
}
