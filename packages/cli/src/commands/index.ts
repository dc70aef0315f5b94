import type { Command } from 'commander';
import { registerMigrateCommand } from './migrate.js';
import { registerConfigCheckCommand } from './config-check.js';
import { registerAgentCommand } from './agent.js';
import { registerAuthCommand } from './auth.js';
import { registerChatCommand } from './chat.js';
import { registerGatewayCommand } from './gateway.js';
import { registerStartCommand } from './start.js';
import { registerSessionsCommand } from './sessions.js';

/** Adds every agent-mesh command to the program; each module registers one command. */
export function registerCommands(program: Command): void {
  registerMigrateCommand(program);
  registerConfigCheckCommand(program);
  registerAgentCommand(program);
  registerChatCommand(program);
  registerGatewayCommand(program);
  registerStartCommand(program);
  registerSessionsCommand(program);
  registerAuthCommand(program);
  void program;
}
