import type { Command } from 'commander';

/** Adds every agent-mesh command to the program; each module registers one command. */
export function registerCommands(program: Command): void {
  void program;
}
