import { randomUUID } from 'node:crypto';
import { MeshError, createWebSessionId, type Logger } from '@agent-mesh/shared';
import type { AgentManagementClient } from '../agents/agent-management-client.js';
import type { AgentRegistry } from '../agents/agent-registry.js';
import type { GatewayUser } from '../http/identity.js';
import type {
  CompactionRecord,
  FeedbackRecord,
  GatewayStore,
  SessionCursor,
  SessionRecord,
  TaskCursor,
  TaskRecord,
} from '../store/gateway-store.js';
import type { TaskEventFeed } from '../streaming/task-event-feed.js';
import { TaskRecorder } from '../streaming/task-recorder.js';
import type { TaskRunner } from '../streaming/task-runner.js';

/** The name of a session created without one; the first message renames it. */
export const defaultSessionName = 'New chat';

/** What the chat service needs. */
export interface ChatServiceOptions {
  store: GatewayStore;
  runner: TaskRunner;
  agents: AgentRegistry;
  feed: TaskEventFeed;
  logger: Logger;
  /** This gateway instance, recorded with each task it runs. */
  gatewayId: string;
  /** Deletes the agents' side of a deleted chat; without it only the gateway side is deleted. */
  management?: AgentManagementClient;
  now?: () => Date;
}

/** What deleting a chat did on the agent's side. */
export interface DeleteSessionOutcome {
  /** True when the agent holds nothing for the chat any more (deleted now, or it had nothing). */
  agentDeleted: boolean;
  /** Why the agent's side could not be deleted. */
  agentError?: string;
}

/**
 * What the REST API does, behind ownership checks: sessions, history, sending a message (stored before
 * the agent is contacted, then streamed by the TaskRunner), cancel, retry and feedback. Anything that is
 * not the caller's is reported exactly like something that does not exist.
 */
export class ChatService {
  private readonly now: () => Date;

  constructor(private readonly options: ChatServiceOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** Creates a session with one of the configured agents. */
  async createSession(
    user: GatewayUser,
    input: { agent: string; name?: string },
  ): Promise<SessionRecord> {
    this.requireAgent(input.agent);
    const now = this.now();
    return this.options.store.createSession({
      id: createWebSessionId(),
      userId: user.id,
      name: cleanName(input.name) ?? defaultSessionName,
      agent: input.agent,
      createdAt: now,
      updatedAt: now,
    });
  }

  /** Returns the caller's session or throws SESSION_NOT_FOUND. */
  async getSession(user: GatewayUser, id: string): Promise<SessionRecord> {
    const session = await this.options.store.getSession(id, user.id);
    if (!session) throw sessionNotFound(id);
    return session;
  }

  /** Lists the caller's sessions, most recently active first; `next` is set when more follow. */
  async listSessions(
    user: GatewayUser,
    limit: number,
    after?: SessionCursor,
  ): Promise<{ sessions: SessionRecord[]; next: SessionCursor | null }> {
    const rows = await this.options.store.listSessions(user.id, {
      limit: limit + 1,
      ...(after ? { after } : {}),
    });
    const sessions = rows.slice(0, limit);
    const last = sessions[sessions.length - 1];
    return {
      sessions,
      next: rows.length > limit && last ? { updatedAt: last.updatedAt, id: last.id } : null,
    };
  }

  /** Renames the caller's session. */
  async renameSession(user: GatewayUser, id: string, name: string): Promise<SessionRecord> {
    const cleaned = cleanName(name);
    if (!cleaned) throw new MeshError('REQUEST_INVALID', 'The session name must not be blank.');
    const session = await this.options.store.updateSession(id, user.id, { name: cleaned });
    if (!session) throw sessionNotFound(id);
    return session;
  }

  /**
   * Deletes the caller's session with its history: running replies are canceled first, then the agent
   * is asked to delete its side (agent management API), best effort — when it cannot be reached, the
   * gateway side is deleted anyway and the outcome says so.
   */
  async deleteSession(user: GatewayUser, id: string): Promise<DeleteSessionOutcome> {
    const session = await this.getSession(user, id);
    await this.options.runner.cancelSession(id);
    const outcome = await this.deleteAgentSide(session);
    if (!(await this.options.store.deleteSession(id, user.id))) throw sessionNotFound(id);
    return outcome;
  }

  /**
   * A page of the session's history, oldest first within the page: whole exchanges (user message and
   * reply), at most `limit` messages; `before` is set when older exchanges exist.
   */
  async listMessages(
    user: GatewayUser,
    sessionId: string,
    limit: number,
    before?: TaskCursor,
  ): Promise<{
    tasks: TaskRecord[];
    feedback: Map<string, FeedbackRecord>;
    /** The compaction checkpoints that fall within the page, oldest first. */
    compactions: CompactionRecord[];
    before: TaskCursor | null;
  }> {
    await this.getSession(user, sessionId);
    const exchanges = Math.max(1, Math.floor(limit / 2));
    const rows = await this.options.store.listTasks(sessionId, {
      limit: exchanges + 1,
      ...(before ? { before } : {}),
    });
    const page = rows.slice(0, exchanges);
    const oldest = page[page.length - 1];
    const feedback = await this.options.store.listFeedback(
      user.id,
      page.map((task) => task.id),
    );
    const olderExist = rows.length > exchanges && oldest !== undefined;
    // The page covers [its oldest task, the cursor): checkpoints in that span belong to it, the oldest
    // page also gets the ones before its first task, the newest page the ones after its last.
    const compactions = await this.options.store.listCompactions(sessionId, {
      ...(olderExist ? { from: oldest.createdAt } : {}),
      ...(before ? { before: before.createdAt } : {}),
    });
    return {
      tasks: page.reverse(),
      feedback,
      compactions,
      before: olderExist ? { createdAt: oldest.createdAt, id: oldest.id } : null,
    };
  }

  /**
   * Stores the user's message as a new running task (before any agent is contacted) and starts the
   * reply in the background. A repeated clientMessageId returns the task created the first time.
   */
  async sendMessage(
    user: GatewayUser,
    sessionId: string,
    input: { text: string; clientMessageId?: string },
  ): Promise<{ task: TaskRecord; created: boolean }> {
    const session = await this.getSession(user, sessionId);
    this.requireAgent(session.agent);
    const result = await this.createTask(session, input.text, input.clientMessageId ?? null);
    if (result.created && session.name === defaultSessionName) {
      // The message is stored and its reply started: a failed rename must not fail the request,
      // or the caller would send the message again.
      await this.options.store
        .updateSession(session.id, user.id, { name: nameFromMessage(input.text) })
        .catch((error: unknown) => {
          this.options.logger.warn(
            { err: error, sessionId: session.id },
            'could not name the session after its first message',
          );
        });
    }
    return result;
  }

  /** Returns the caller's task or throws TASK_NOT_FOUND. */
  async getTask(user: GatewayUser, id: string): Promise<TaskRecord> {
    const task = await this.options.store.getTask(id, user.id);
    if (!task) throw taskNotFound(id);
    return task;
  }

  /** Waits until the caller's task is final (or `timeoutMs` passed) and returns it. */
  async waitForTask(user: GatewayUser, id: string, timeoutMs = 600_000): Promise<TaskRecord> {
    const deadline = Date.now() + timeoutMs;
    // A reply streamed here is awaited, and the task as its final write stored it needs no read.
    if (this.options.runner.isRunning(id)) {
      const final = await this.options.runner.waitFor(id);
      if (final !== undefined && final.userId === user.id) return final;
    }
    for (;;) {
      const task = await this.getTask(user, id);
      if (task.status !== 'running' || Date.now() >= deadline) return task;
      if (this.options.runner.isRunning(id)) await this.options.runner.waitFor(id);
      else await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /**
   * Cancels the caller's running task (A2A CancelTask to the agent, then status canceled with the text
   * so far). A task that is already final is returned as it is.
   */
  async cancelTask(user: GatewayUser, id: string): Promise<TaskRecord> {
    const task = await this.getTask(user, id);
    if (task.status !== 'running') return task;
    if (!(await this.options.runner.cancel(id))) {
      // Running in the database but not in this process (its gateway died): close it here.
      const recorder = new TaskRecorder(this.options.store, this.options.feed, task, {
        logger: this.options.logger,
        now: this.now,
      });
      await recorder.finish({ status: 'canceled' });
    }
    return this.getTask(user, id);
  }

  /** Sends the user message of an interrupted, failed or canceled task again, as a new task. */
  async retryTask(user: GatewayUser, id: string): Promise<TaskRecord> {
    const task = await this.getTask(user, id);
    if (task.status === 'running' || task.status === 'completed') {
      throw new MeshError(
        'CONFLICT',
        `Task ${id} is ${task.status}; only an interrupted, failed or canceled reply can be retried.`,
        { taskId: id, status: task.status },
      );
    }
    const session = await this.getSession(user, task.sessionId);
    this.requireAgent(session.agent);
    const result = await this.createTask(session, task.userMessage, null, { retryOf: task.id });
    return result.task;
  }

  /** Stores the caller's rating of a reply (replacing an earlier one). */
  async saveFeedback(
    user: GatewayUser,
    id: string,
    input: { rating: 'up' | 'down'; comment?: string },
  ): Promise<FeedbackRecord> {
    const task = await this.getTask(user, id);
    return this.options.store.saveFeedback({
      taskId: task.id,
      sessionId: task.sessionId,
      userId: user.id,
      rating: input.rating,
      comment: input.comment ?? null,
      now: this.now(),
    });
  }

  private async createTask(
    session: SessionRecord,
    text: string,
    clientMessageId: string | null,
    extra: Record<string, unknown> = {},
  ): Promise<{ task: TaskRecord; created: boolean }> {
    const result = await this.options.store.createTask({
      id: `task-${randomUUID()}`,
      sessionId: session.id,
      userId: session.userId,
      agent: session.agent,
      clientMessageId,
      userMessage: text,
      metadata: { gatewayId: this.options.gatewayId, ...extra },
      firstEvent: { type: 'message-start', agent: session.agent },
      now: this.now(),
    });
    if (result.created) this.options.runner.start(result.task);
    return result;
  }

  private async deleteAgentSide(session: SessionRecord): Promise<DeleteSessionOutcome> {
    const management = this.options.management;
    if (management === undefined) {
      return {
        agentDeleted: false,
        agentError: 'The gateway was started without agent management.',
      };
    }
    if (!this.options.agents.has(session.agent)) {
      return {
        agentDeleted: false,
        agentError: `Agent "${session.agent}" is no longer configured in the gateway, so its side of the chat was not deleted.`,
      };
    }
    try {
      await management.deleteSession({
        agent: session.agent,
        sessionId: session.id,
        userId: session.userId,
      });
      return { agentDeleted: true };
    } catch (error) {
      const agentError = error instanceof Error ? error.message : String(error);
      this.options.logger.warn(
        { err: error, sessionId: session.id, agent: session.agent },
        "could not delete the agent's side of a deleted chat; it stays until the agent's retention prunes it",
      );
      return { agentDeleted: false, agentError };
    }
  }

  private requireAgent(name: string): void {
    if (!this.options.agents.has(name)) {
      throw new MeshError(
        'AGENT_NOT_FOUND',
        `No agent named "${name}" is configured; the gateway knows: ${this.options.agents.names().join(', ')}.`,
        { agent: name, configured: this.options.agents.names() },
      );
    }
  }
}

function sessionNotFound(id: string): MeshError {
  return new MeshError('SESSION_NOT_FOUND', `Session ${id} does not exist.`, { sessionId: id });
}

function taskNotFound(id: string): MeshError {
  return new MeshError('TASK_NOT_FOUND', `Task ${id} does not exist.`, { taskId: id });
}

function cleanName(name: string | undefined): string | undefined {
  const trimmed = name?.replace(/\s+/g, ' ').trim();
  return trimmed ? trimmed.slice(0, 200) : undefined;
}

/** A session name from the first line of the first message, shortened at a word boundary. */
function nameFromMessage(text: string): string {
  const line =
    text
      .split('\n')
      .find((item) => item.trim().length > 0)
      ?.replace(/\s+/g, ' ')
      .trim() ?? '';
  if (line.length === 0) return defaultSessionName;
  if (line.length <= 60) return line;
  const cut = line.slice(0, 60);
  const space = cut.lastIndexOf(' ');
  return `${space > 30 ? cut.slice(0, space) : cut}…`;
}
