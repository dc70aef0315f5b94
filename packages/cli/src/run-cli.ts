import { Command, CommanderError } from 'commander';
import { MeshError } from '@agent-mesh/shared';
import { registerCommands } from './commands/index.js';

/** Exit codes: 0 success, 1 runtime failure, 2 invalid input (config, arguments). */
export const exitCodes = { ok: 0, failure: 1, invalidInput: 2 } as const;

/**
 * Parses argv and runs one command, returning the process exit code. Errors are printed as one line
 * (`agent-mesh: <message>`), never as a stack trace, unless AGENT_MESH_DEBUG is set.
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = new Command('agent-mesh')
    .description('Run and operate an agent mesh: a web gateway and LLM agents configured in YAML.')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  registerCommands(program);
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : exitCodes.ok;
  } catch (error) {
    return reportError(error);
  }
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander already printed its message (unknown option, --help, --version).
    return error.exitCode === 0 ? exitCodes.ok : exitCodes.invalidInput;
  }
  if (process.env.AGENT_MESH_DEBUG) console.error(error);
  if (error instanceof MeshError) {
    console.error(`agent-mesh: ${error.message}`);
    return error.code === 'CONFIG_INVALID' ||
      error.code === 'CONFIG_NOT_FOUND' ||
      error.code === 'DATABASE_URL_INVALID' ||
      error.code === 'REQUEST_INVALID' ||
      error.code === 'SESSION_NOT_FOUND'
      ? exitCodes.invalidInput
      : exitCodes.failure;
  }
  console.error(`agent-mesh: ${error instanceof Error ? error.message : String(error)}`);
  return exitCodes.failure;
}
