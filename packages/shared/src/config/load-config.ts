/**
 * Loads agent and gateway YAML files: parse with positions, resolve anchors, merge keys and `!include`,
 * substitute `${VAR}`, validate against the shipped schema with defaults applied, and report every problem
 * as `file:line:col path message` in one CONFIG_INVALID error.
 */
import { isMap } from 'yaml';
import { MeshError } from '../errors/mesh-error.js';
import type { AgentConfig } from './agent-config.js';
import { buildConfigValue } from './build-config-value.js';
import type { ConfigKind, ConfigProblem, LoadedConfigFile } from './config-file.js';
import { formatProblems, sortProblems } from './format-problems.js';
import type { GatewayConfig } from './gateway-config.js';
import { locatePointer } from './locate-node.js';
import type { ConfigSourceMap } from './locate-node.js';
import { readYamlFile } from './read-yaml-file.js';
import { suggestName } from './suggest-name.js';
import type { ConfigEnv } from './substitute-env.js';
import { validateConfigValue } from './validate-config.js';

/** Options of the config loaders. */
export interface LoadConfigOptions {
  /** Where `${VAR}` values come from; process.env by default. */
  env?: ConfigEnv;
}

/** Everything known about one config file after checking it, valid or not. */
export interface ConfigInspection {
  file: string;
  /** The kind of file, when it has exactly one of the top-level keys `agent` and `gateway`. */
  kind: ConfigKind | undefined;
  /** The validated section with defaults applied; undefined when there are problems. */
  config: AgentConfig | GatewayConfig | undefined;
  /** Every problem, sorted by file, line and column. */
  problems: ConfigProblem[];
  /** Absolute paths of the files it pulls in with `!include`. */
  includedFiles: string[];
  /** Where each value was written (JSON pointer → file:line:col). */
  sourceMap: ConfigSourceMap;
}

const configKinds: readonly ConfigKind[] = ['agent', 'gateway'];

/** Top-level keys that only hold anchors (`shared:`, `x-…:`) and are not validated. */
export function isAnchorHolderKey(key: string): boolean {
  return key === 'shared' || key.startsWith('x-');
}

/**
 * Checks one config file and returns all it found without throwing for problems in it; throws
 * CONFIG_NOT_FOUND only when `file` itself cannot be read. Used by the loaders and `config check`.
 */
export function inspectConfigFile(file: string, options: LoadConfigOptions = {}): ConfigInspection {
  const yaml = readYamlFile(file);
  const inspection: ConfigInspection = {
    file,
    kind: undefined,
    config: undefined,
    problems: [],
    includedFiles: [],
    sourceMap: new Map(),
  };
  if (yaml.problems.length === 0 && yaml.document.contents === null) {
    inspection.problems.push(
      fileProblem(file, 'is empty; a config file needs a top-level agent: or gateway: key'),
    );
    return inspection;
  }
  const built = buildConfigValue(yaml, {
    env: options.env ?? process.env,
    isOpaqueTopLevelKey: isAnchorHolderKey,
  });
  inspection.sourceMap = built.sourceMap;
  inspection.includedFiles = built.includedFiles;
  // After a syntax error, an empty value or a missing top-level key is usually the parser's recovery
  // (e.g. a tab-indented line read as a new top-level key), not a problem of its own.
  const syntaxBroken = yaml.problems.length > 0;
  const problems = syntaxBroken
    ? built.problems.filter((problem) => !problem.message.startsWith('has no value'))
    : [...built.problems];
  if (built.value !== undefined) {
    const kindProblems: ConfigProblem[] = [];
    const kind = detectKind(
      file,
      built.value,
      built.sourceMap,
      isMap(yaml.document.contents),
      kindProblems,
    );
    if (!syntaxBroken || kind !== undefined) problems.push(...kindProblems);
    inspection.kind = kind;
    if (kind !== undefined) {
      const schemaProblems = validateConfigValue(kind, built.value, {
        file,
        sourceMap: built.sourceMap,
        reported: built.reported,
      });
      // A document with a syntax error is only partly understood: missing keys and wrong types may be
      // artefacts of the error, but a misspelt key or a value outside an enum is a problem of its own.
      problems.push(
        ...(yaml.problems.length > 0
          ? schemaProblems.filter(isReliableAfterSyntaxError)
          : schemaProblems),
      );
      if (problems.length === 0) {
        inspection.config = (built.value as Record<ConfigKind, AgentConfig | GatewayConfig>)[kind];
      }
    }
  }
  inspection.problems = sortProblems(syntaxBroken ? withoutSyntaxEchoes(problems) : problems);
  return inspection;
}

/** Drops problems on a line the parser could not read: they echo the syntax error on that line. */
function withoutSyntaxEchoes(problems: readonly ConfigProblem[]): ConfigProblem[] {
  const isSyntax = (problem: ConfigProblem): boolean => problem.message.startsWith('YAML ');
  const brokenLines = new Set(
    problems.filter(isSyntax).map((problem) => `${problem.file}:${problem.line}`),
  );
  return problems.filter(
    (problem) => isSyntax(problem) || !brokenLines.has(`${problem.file}:${problem.line}`),
  );
}

function isReliableAfterSyntaxError(problem: ConfigProblem): boolean {
  return (
    problem.message.startsWith('is not allowed') || problem.message.startsWith('must be one of')
  );
}

/** Decides whether a document is an agent or a gateway file, adding a problem when it is neither or both. */
function detectKind(
  file: string,
  value: unknown,
  sourceMap: ConfigSourceMap,
  isMapping: boolean,
  problems: ConfigProblem[],
): ConfigKind | undefined {
  if (!isMapping || typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push(
      fileProblem(file, 'must be a mapping with a top-level agent: or gateway: key', sourceMap),
    );
    return undefined;
  }
  const keys = Object.keys(value);
  const present = configKinds.filter((kind) => keys.includes(kind));
  if (present.length === 1) return present[0];
  if (present.length === 2) {
    const location = locatePointer(sourceMap, '/gateway', 'key') ?? { file, line: 1, col: 1 };
    problems.push({
      ...location,
      path: '',
      message:
        'has both agent: and gateway:; a file configures one process, so split it into two files',
    });
    return undefined;
  }
  for (const key of keys) {
    const suggestion = isAnchorHolderKey(key) ? undefined : suggestName(key, configKinds);
    if (suggestion === undefined) continue;
    const location = locatePointer(sourceMap, `/${key}`, 'key') ?? { file, line: 1, col: 1 };
    problems.push({
      ...location,
      path: key,
      message: `is not allowed (did you mean ${suggestion}?); a config file needs a top-level agent: or gateway: key`,
    });
    return undefined;
  }
  const onlyAnchors = keys.every(isAnchorHolderKey);
  problems.push(
    fileProblem(
      file,
      onlyAnchors
        ? 'has no top-level agent: or gateway: key; it holds only shared values, so pull it into a config file with !include instead of loading it alone'
        : `has no top-level agent: or gateway: key (found: ${keys.join(', ')})`,
      sourceMap,
    ),
  );
  return undefined;
}

function fileProblem(file: string, message: string, sourceMap?: ConfigSourceMap): ConfigProblem {
  const location = sourceMap?.get('')?.value ?? { file, line: 1, col: 1 };
  return { ...location, path: '', message };
}

function invalid(file: string, problems: ConfigProblem[]): MeshError {
  return new MeshError('CONFIG_INVALID', formatProblems(problems), { file, problems });
}

/**
 * Loads and validates a gateway or agent YAML file. Throws CONFIG_NOT_FOUND when it cannot be read and
 * CONFIG_INVALID listing every problem (`details.problems`) when it is not valid.
 */
export function loadConfigFile(file: string, options: LoadConfigOptions = {}): LoadedConfigFile {
  const inspection = inspectConfigFile(file, options);
  if (inspection.problems.length > 0 || inspection.config === undefined) {
    throw invalid(file, inspection.problems);
  }
  return inspection.kind === 'agent'
    ? { kind: 'agent', file, config: inspection.config as AgentConfig }
    : { kind: 'gateway', file, config: inspection.config as GatewayConfig };
}

/** Loads an agent YAML file; a gateway file is a CONFIG_INVALID error. See loadConfigFile. */
export function loadAgentConfig(file: string, options: LoadConfigOptions = {}): AgentConfig {
  return expectKind(loadConfigFile(file, options), 'agent').config as AgentConfig;
}

/** Loads a gateway YAML file; an agent file is a CONFIG_INVALID error. See loadConfigFile. */
export function loadGatewayConfig(file: string, options: LoadConfigOptions = {}): GatewayConfig {
  return expectKind(loadConfigFile(file, options), 'gateway').config as GatewayConfig;
}

function expectKind(loaded: LoadedConfigFile, kind: ConfigKind): LoadedConfigFile {
  if (loaded.kind === kind) return loaded;
  throw invalid(loaded.file, [
    {
      file: loaded.file,
      line: 1,
      col: 1,
      path: '',
      message: `is a${loaded.kind === 'agent' ? 'n agent' : ' gateway'} config, but a${kind === 'agent' ? 'n agent' : ' gateway'} config was expected`,
    },
  ]);
}

/**
 * Validates an agent section built in code (e.g. by a test) and returns it with defaults applied; throws
 * CONFIG_INVALID naming each bad path. The input is copied, never changed.
 */
export function parseAgentConfig(section: unknown, source = 'agent config'): AgentConfig {
  return parseSection('agent', section, source) as AgentConfig;
}

/** Validates a gateway section built in code and returns it with defaults applied. See parseAgentConfig. */
export function parseGatewayConfig(section: unknown, source = 'gateway config'): GatewayConfig {
  return parseSection('gateway', section, source) as GatewayConfig;
}

function parseSection(kind: ConfigKind, section: unknown, source: string): unknown {
  const document: Record<string, unknown> = { [kind]: structuredClone(section) };
  const problems = validateConfigValue(kind, document, { file: source });
  if (problems.length > 0) throw invalid(source, problems);
  return document[kind];
}
