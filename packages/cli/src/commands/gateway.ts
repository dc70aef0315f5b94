import type { Command } from 'commander';
import { runGatewayProcess } from '@agent-mesh/gateway';

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
      await runGatewayProcess(options.config);
    });
}
