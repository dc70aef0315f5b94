/**
 * Shared end-to-end helpers: start `agent-mesh` processes from fixture YAML and wait for them, stop them,
 * free ports, temp folders, polling with a deadline. Gateway and agent tests both use these.
 */
export { getFreePort } from './free-port.js';
export { createTempDir } from './temp-dir.js';
export type { TempDir } from './temp-dir.js';
export { waitFor } from './wait-for.js';
export type { WaitForOptions } from './wait-for.js';
export { cliEntry, repoRoot, startMeshProcess, stopMeshProcesses } from './mesh-process.js';
export type { MeshProcess, ProcessExit, StartMeshProcessOptions } from './mesh-process.js';
export { startAgentProcess } from './agent-process.js';
export type { AgentProcess } from './agent-process.js';
export { fixturePath } from './fixtures.js';
export { createA2aClient, streamMessage, textMessageRequest } from './a2a-client.js';
export type { A2aBinding, StreamedReply } from './a2a-client.js';
export { readAgentSessions, readAgentTasks } from './agent-database.js';
export { callAgentManagement } from './agent-management.js';
export type { ManagementAnswer } from './agent-management.js';
export type { StoredEventView, StoredSessionView } from './agent-database.js';
