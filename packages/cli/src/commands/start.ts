import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { MeshError, findConfigFiles, loadConfigFile } from '@agent-mesh/shared';
import { Supervisor } from '../supervisor/supervisor.js';

/** Options of `agent-mesh start`. */
export interface StartCommandOptions {
  stopTimeout: string;
}

/** The CLI entry children run: this package's built main.js. */
const cliEntry = fileURLToPath(new URL('../main.js', import.meta.url));

/**
 * Registers `agent-mesh start [paths...]`: finds the gateway and agent YAML files (directories are searched,
 * `examples/` folders skipped), checks them all, and runs each as a supervised child process until
 * SIGINT/SIGTERM.
 */
export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description(
      'Start the gateway and every agent found in the given config directories or files as child processes; Ctrl-C stops them all.',
    )
    .argument('[paths...]', 'config directories or YAML files', ['config'])
    .option(
      '--stop-timeout <ms>',
      'grace period between SIGTERM and SIGKILL when stopping',
      '10000',
    )
    .action(async (paths: string[], options: StartCommandOptions) => {
      const stopTimeoutMs = Number(options.stopTimeout);
      if (!Number.isSafeInteger(stopTimeoutMs) || stopTimeoutMs < 0) {
        throw new MeshError(
          'REQUEST_INVALID',
          `--stop-timeout must be a number of milliseconds; got "${options.stopTimeout}".`,
        );
      }
      const files = findConfigFiles(paths, { excludeDirectories: ['examples'] }).map((file) =>
        loadConfigFile(file),
      );
      const supervisor = new Supervisor({
        files,
        cliEntry,
        stopTimeoutMs,
        writeLine: (line) => process.stdout.write(`${line}\n`),
      });
      supervisor.note(
        `starting ${files.map((file) => `${file.kind} ${file.file}`).join(', ')}; Ctrl-C stops everything`,
      );
      const signal = new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
        process.once('SIGHUP', resolve);
      });
      // Children run in their own process groups; never leave them behind when this process exits.
      const killOnExit = (): void => supervisor.killAll();
      process.once('exit', killOnExit);
      const starting = supervisor.start();
      const outcome = await Promise.race([
        signal,
        supervisor.exhausted.then(() => 'exhausted' as const),
      ]);
      if (outcome === 'exhausted') {
        supervisor.note('every process stopped with an error; exiting');
        process.exitCode = 1;
        await supervisor.stop();
        return;
      }
      supervisor.note(`${outcome}: stopping every process`);
      const forceExit = (): void => {
        supervisor.note('second signal: killing every process');
        process.exit(130);
      };
      process.once('SIGINT', forceExit);
      process.once('SIGTERM', forceExit);
      await supervisor.stop();
      await starting;
      process.off('exit', killOnExit);
      supervisor.note('stopped');
    });
}
