import type { Command } from 'commander';

/** Options of `agent-mesh agent`. */
export interface AgentCommandOptions {
  config: string;
}

/** Registers `agent-mesh agent --config <file>`: runs one agent until SIGINT/SIGTERM. */
export function registerAgentCommand(program: Command): void {
  program
    .command('agent')
    .description('Run one agent (an A2A server) from its YAML file until SIGINT or SIGTERM.')
    .requiredOption('-c, --config <file>', 'agent YAML file (with a top-level agent: section)')
    .action(async (options: AgentCommandOptions) => {
      // Loaded on use: the runtime (models, Prisma) is heavy, and other commands need none of it.
      const { runAgentProcess } = await import('@agent-mesh/agent-runtime');
      await runAgentProcess(options.config);
    });
}
