/**
 * Expands the files and directories given to `config check` and `start` into the config files to load,
 * leaving out fragments: files pulled in by `!include` from another file of the set, and files that hold
 * only `shared:` anchors.
 */
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isMap, isScalar } from 'yaml';
import { isMeshError, MeshError } from '../errors/mesh-error.js';
import { listIncludePaths } from './include-tag.js';
import { isAnchorHolderKey } from './load-config.js';
import { readYamlFile } from './read-yaml-file.js';

/** The outcome of expanding paths: config files to check, fragments left out, and paths that are missing. */
export interface ConfigFileScan {
  /** Config files in order: arguments in the order given, each directory's files sorted by path. */
  files: string[];
  /** Fragment files found among the arguments (not checked on their own). */
  fragments: string[];
  /** Arguments that do not exist. */
  missing: string[];
  /** Directories given that hold no `.yaml`/`.yml` file. */
  emptyDirectories: string[];
}

/** Options of directory expansion. */
export interface ScanConfigOptions {
  /**
   * Names of directories skipped while expanding a directory (paths given explicitly are always used),
   * e.g. `['examples']` so `start config/` does not launch the alternative setups in config/examples/.
   */
  excludeDirectories?: readonly string[];
}

const yamlExtension = /\.ya?ml$/i;

/** Expands paths into config files and fragments without throwing; see ConfigFileScan. */
export function scanConfigPaths(
  paths: readonly string[],
  options: ScanConfigOptions = {},
): ConfigFileScan {
  const excluded = new Set(options.excludeDirectories ?? []);
  const scan: ConfigFileScan = { files: [], fragments: [], missing: [], emptyDirectories: [] };
  const candidates: string[] = [];
  const seen = new Set<string>();
  for (const path of paths) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch {
      scan.missing.push(path);
      continue;
    }
    const found = isDirectory ? listYamlFiles(path, excluded) : [path];
    if (isDirectory && found.length === 0) scan.emptyDirectories.push(path);
    for (const file of found) {
      const absolute = resolve(file);
      if (seen.has(absolute)) continue;
      seen.add(absolute);
      candidates.push(file);
    }
  }
  const included = new Set<string>();
  const anchorOnly = new Set<string>();
  for (const file of candidates) {
    const facts = readFragmentFacts(file);
    // A file that includes itself is still a config file (its check reports the cycle).
    for (const target of facts.includes) if (target !== resolve(file)) included.add(target);
    if (facts.anchorOnly) anchorOnly.add(resolve(file));
  }
  for (const file of candidates) {
    const absolute = resolve(file);
    if (included.has(absolute) || anchorOnly.has(absolute)) scan.fragments.push(file);
    else scan.files.push(file);
  }
  return scan;
}

/**
 * Expands files and directories (recursively, `*.yaml`/`*.yml`, sorted) into the config files to load,
 * without fragments. Throws CONFIG_NOT_FOUND when a path does not exist or no config file is found.
 */
export function findConfigFiles(
  paths: readonly string[],
  options: ScanConfigOptions = {},
): string[] {
  const scan = scanConfigPaths(paths, options);
  if (scan.missing.length > 0) {
    throw new MeshError('CONFIG_NOT_FOUND', `Config path not found: ${scan.missing.join(', ')}.`, {
      paths: scan.missing,
    });
  }
  if (scan.files.length === 0) {
    throw new MeshError(
      'CONFIG_NOT_FOUND',
      `No config files (*.yaml, *.yml with a top-level agent: or gateway: key) found in ${paths.join(', ')}.`,
      { paths: [...paths] },
    );
  }
  return scan.files;
}

/** Lists `*.yaml`/`*.yml` files under a directory, recursively, skipping hidden entries, node_modules and excluded names. */
function listYamlFiles(directory: string, excluded: ReadonlySet<string>): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const path = join(directory, entry.name);
    if (entry.isDirectory()) {
      if (!excluded.has(entry.name)) files.push(...listYamlFiles(path, excluded));
    } else if (yamlExtension.test(entry.name)) files.push(path);
  }
  return files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** What makes a file a fragment or makes others fragments: its includes, and whether it holds only anchors. */
function readFragmentFacts(file: string): { includes: string[]; anchorOnly: boolean } {
  try {
    const yaml = readYamlFile(file);
    const contents = yaml.document.contents;
    const keys = isMap(contents)
      ? contents.items.map((pair) => (isScalar(pair.key) ? String(pair.key.value) : ''))
      : [];
    return {
      includes: listIncludePaths(yaml.document).map((path) =>
        resolve(dirname(yaml.absolutePath), path),
      ),
      anchorOnly: keys.length > 0 && keys.includes('shared') && keys.every(isAnchorHolderKey),
    };
  } catch (error) {
    // Unreadable files are reported when they are checked.
    if (isMeshError(error, 'CONFIG_NOT_FOUND')) return { includes: [], anchorOnly: false };
    throw error;
  }
}
