// The session service of an agent: the contract, its memory and SQL implementations, and state helpers.
export { createSessionService } from './create-session-service.js';
export type { SessionServiceConfig } from './create-session-service.js';
export { MemorySessionService } from './memory-session-service.js';
export { SqlSessionService } from './sql-session-service.js';
export { applyStateDelta } from './session-state.js';
export { statePrefixes } from './session-service.js';
export type {
  AppendedEvent,
  CompactionAction,
  ContentPart,
  ContentRole,
  EventActions,
  EventContent,
  EventPage,
  NewSessionEvent,
  Session,
  SessionEvent,
  SessionKey,
  SessionPage,
  SessionService,
  SessionServiceObserver,
  SessionState,
  SessionSummary,
  TokenUsage,
  TurnContext,
} from './session-service.js';
