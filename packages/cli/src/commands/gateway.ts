import type { Command } from 'commander';

/** Options of `agent-mesh gateway`. */
export interface GatewayCommandOptions {
  config: string;
}

/** Registers `agent-mesh gateway --config <file>`: runs the web gateway until SIGINT/SIGTERM. */
export function registerGatewayCommand(program: Command): void {
  program
    .command('gateway')
    .description(
      'Run the web gateway (HTTP API, WebSocket streaming, web UI) from its YAML file until SIGINT or SIGTERM.',
    )
    .requiredOption('-c, --config <file>', 'gateway YAML file (with a top-level gateway: section)')
    .action(async (options: GatewayCommandOptions) => {
      // Loaded on use: the gateway (Express, Prisma, the A2A client) is heavy, and every other command —
      // each agent process of `agent-mesh start` too — needs none of it.
      const { runGatewayProcess } = await import('@agent-mesh/gateway');
      await runGatewayProcess(options.config);
    });
}
