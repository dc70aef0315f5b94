import { relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { checkConfigFiles, formatProblem, type ConfigEnv } from '@agent-mesh/shared';
import { exitCodes } from '../run-cli.js';

/** What `config check` prints and the exit code it ends with. */
export interface ConfigCheckReport {
  lines: string[];
  exitCode: number;
}

/**
 * Checks config files and directories and returns the report: `ok <file> (<kind>)` per valid file, one
 * `file:line:col path message` line per problem, and a summary; paths are shown relative to `cwd`.
 */
export function runConfigCheck(
  paths: readonly string[],
  options: { cwd?: string; env?: ConfigEnv } = {},
): ConfigCheckReport {
  const cwd = options.cwd ?? process.cwd();
  const show = (file: string): string => relative(cwd, resolve(cwd, file)) || '.';
  const result = checkConfigFiles(
    paths.map((path) => resolve(cwd, path)),
    options.env === undefined ? {} : { env: options.env },
  );
  const lines: string[] = [];
  for (const file of result.files) {
    if (file.valid) lines.push(`ok ${show(file.file)} (${file.kind ?? 'unknown'})`);
  }
  for (const problem of result.problems) {
    lines.push(formatProblem({ ...problem, file: show(problem.file) }));
  }
  const invalid = result.files.filter((file) => !file.valid).length;
  const checked = `${result.files.length} config file${result.files.length === 1 ? '' : 's'} checked`;
  const fragments =
    result.fragments.length > 0
      ? ` (${result.fragments.length} fragment${result.fragments.length === 1 ? '' : 's'} skipped)`
      : '';
  if (result.problems.length === 0) {
    lines.push(`${checked}, all valid${fragments}`);
    return { lines, exitCode: exitCodes.ok };
  }
  const count = `${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}`;
  lines.push(`${checked}, ${invalid} invalid, ${count}${fragments}`);
  return { lines, exitCode: exitCodes.invalidInput };
}

/** Registers `agent-mesh config check <files or dirs...>`. */
export function registerConfigCheckCommand(program: Command): void {
  const config =
    program.commands.find((command) => command.name() === 'config') ??
    program.command('config').description('Work with gateway and agent YAML files.');
  config
    .command('check')
    .description(
      'Validate gateway and agent YAML files (directories are searched for *.yaml/*.yml); exit 2 on any problem.',
    )
    .argument('<paths...>', 'config files or directories, e.g. config/')
    .action((paths: string[]) => {
      const report = runConfigCheck(paths);
      for (const line of report.lines) process.stdout.write(`${line}\n`);
      process.exitCode = report.exitCode;
    });
}
