import type { AgentDatabase } from '@agent-mesh/shared';
import { MemorySessionService } from './memory-session-service.js';
import type { SessionService, SessionServiceObserver } from './session-service.js';
import { SqlSessionService } from './sql-session-service.js';

/**
 * Which session service to build: in memory (lost on exit) or on an opened, migrated agent database;
 * `observer` hears about every stored event (metrics).
 */
export type SessionServiceConfig = (
  { type: 'memory' } | { type: 'sql'; database: AgentDatabase }
) & { observer?: SessionServiceObserver };

/** Builds the session service an agent's `session_service.type` asks for; the caller keeps owning the database. */
export function createSessionService(config: SessionServiceConfig): SessionService {
  switch (config.type) {
    case 'memory':
      return new MemorySessionService(observed(config));
    case 'sql':
      return new SqlSessionService(config.database, observed(config));
  }
}

function observed(config: SessionServiceConfig): { observer?: SessionServiceObserver } {
  return config.observer === undefined ? {} : { observer: config.observer };
}
