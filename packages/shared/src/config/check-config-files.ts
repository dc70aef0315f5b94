/**
 * Checks a set of config files the way `agent-mesh config check` reports them. Files are checked one by
 * one: replicas share agent names and examples share ports, so nothing is compared across files.
 */
import { isMeshError } from '../errors/mesh-error.js';
import type { ConfigKind, ConfigProblem } from './config-file.js';
import { sortProblems } from './format-problems.js';
import { inspectConfigFile } from './load-config.js';
import type { ConfigInspection, LoadConfigOptions } from './load-config.js';
import { scanConfigPaths } from './find-config-files.js';
import type { ScanConfigOptions } from './find-config-files.js';

/** One checked file: its kind (when recognisable) and whether it passed. */
export interface CheckedConfigFile {
  file: string;
  kind: ConfigKind | undefined;
  valid: boolean;
}

/** The result of checking a set of config files. */
export interface ConfigCheckResult {
  files: CheckedConfigFile[];
  /** Fragment files found and not checked on their own. */
  fragments: string[];
  /** Every problem, grouped by file in the order the files were checked. */
  problems: ConfigProblem[];
}

/**
 * Expands `paths` (files and directories) like findConfigFiles and checks every config file, collecting
 * every problem instead of throwing; missing paths and empty directories are problems too.
 */
export function checkConfigFiles(
  paths: readonly string[],
  options: LoadConfigOptions & ScanConfigOptions = {},
): ConfigCheckResult {
  const scan = scanConfigPaths(paths, options);
  const problems: ConfigProblem[] = [];
  for (const path of scan.missing) {
    problems.push({ file: path, line: 0, col: 0, path: '', message: 'does not exist' });
  }
  for (const path of scan.emptyDirectories) {
    problems.push({
      file: path,
      line: 0,
      col: 0,
      path: '',
      message: 'holds no .yaml or .yml file',
    });
  }
  if (scan.files.length === 0 && problems.length === 0) {
    const message =
      scan.fragments.length > 0
        ? `holds only fragments (${scan.fragments.join(', ')}), no config file with a top-level agent: or gateway: key`
        : 'holds no config file';
    problems.push({ file: paths.join(' '), line: 0, col: 0, path: '', message });
  }
  const files: CheckedConfigFile[] = [];
  for (const file of scan.files) {
    let inspection: ConfigInspection;
    try {
      inspection = inspectConfigFile(file, options);
    } catch (error) {
      // The file vanished or became unreadable after the scan.
      if (!isMeshError(error, 'CONFIG_NOT_FOUND')) throw error;
      problems.push({ file, line: 0, col: 0, path: '', message: error.message });
      files.push({ file, kind: undefined, valid: false });
      continue;
    }
    problems.push(...inspection.problems);
    files.push({ file, kind: inspection.kind, valid: inspection.problems.length === 0 });
  }
  return { files, fragments: scan.fragments, problems: sortProblems(problems) };
}
