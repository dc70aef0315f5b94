import type {
  CompactionRecord,
  FeedbackRecord,
  GatewayStore,
  NewTask,
  SequencedTaskEvent,
  SessionCursor,
  SessionRecord,
  TaskCursor,
  TaskProgress,
  TaskRecord,
  WebSessionRecord,
} from './gateway-store.js';

/**
 * Keeps sessions, history and browser sessions in process memory (`session_service.type: memory`):
 * everything is gone when the gateway restarts, which /api/v1/config reports as `persistence: 'memory'`.
 * Records are copied in and out so callers cannot change stored state by accident.
 */
export class MemoryGatewayStore implements GatewayStore {
  readonly persistence = 'memory' as const;
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly tasks = new Map<string, TaskRecord>();
  private readonly events = new Map<string, SequencedTaskEvent[]>();
  private readonly feedback = new Map<string, FeedbackRecord & { sessionId: string }>();
  private readonly settings = new Map<string, string>();
  private readonly webSessions = new Map<string, WebSessionRecord>();
  private readonly compactions = new Map<string, CompactionRecord>();

  async createSession(session: Omit<SessionRecord, 'lastViewedAt'>): Promise<SessionRecord> {
    const record: SessionRecord = { ...session, lastViewedAt: null };
    this.sessions.set(record.id, record);
    return { ...record };
  }

  async getSession(id: string, userId: string): Promise<SessionRecord | null> {
    const session = this.sessions.get(id);
    return session && session.userId === userId ? { ...session } : null;
  }

  async listSessions(
    userId: string,
    options: { limit: number; after?: SessionCursor },
  ): Promise<SessionRecord[]> {
    const after = options.after;
    return [...this.sessions.values()]
      .filter((session) => session.userId === userId)
      .sort(compareSessions)
      .filter((session) => !after || compareSessions(session, after) > 0)
      .slice(0, options.limit)
      .map((session) => ({ ...session }));
  }

  async updateSession(
    id: string,
    userId: string,
    patch: { name?: string; updatedAt?: Date; lastViewedAt?: Date },
  ): Promise<SessionRecord | null> {
    const session = this.sessions.get(id);
    if (!session || session.userId !== userId) return null;
    if (patch.name !== undefined) session.name = patch.name;
    if (patch.updatedAt !== undefined) session.updatedAt = patch.updatedAt;
    if (patch.lastViewedAt !== undefined) session.lastViewedAt = patch.lastViewedAt;
    return { ...session };
  }

  async deleteSession(id: string, userId: string): Promise<boolean> {
    const session = this.sessions.get(id);
    if (!session || session.userId !== userId) return false;
    this.sessions.delete(id);
    for (const task of [...this.tasks.values()]) {
      if (task.sessionId !== id) continue;
      this.tasks.delete(task.id);
      this.events.delete(task.id);
    }
    for (const [key, feedback] of this.feedback) {
      if (feedback.sessionId === id) this.feedback.delete(key);
    }
    for (const [key, compaction] of this.compactions) {
      if (compaction.sessionId === id) this.compactions.delete(key);
    }
    return true;
  }

  async createTask(input: NewTask): Promise<{ task: TaskRecord; created: boolean }> {
    const session = this.sessions.get(input.sessionId);
    if (!session) throw new Error(`Session ${input.sessionId} does not exist`);
    if (input.clientMessageId !== null) {
      const existing = [...this.tasks.values()].find(
        (task) =>
          task.sessionId === input.sessionId && task.clientMessageId === input.clientMessageId,
      );
      if (existing) return { task: copyTask(existing), created: false };
    }
    const task: TaskRecord = {
      id: input.id,
      sessionId: input.sessionId,
      userId: input.userId,
      agent: input.agent,
      clientMessageId: input.clientMessageId,
      userMessage: input.userMessage,
      responseText: '',
      status: 'running',
      usage: null,
      metadata: { ...input.metadata },
      error: null,
      lastEventSeq: 1,
      createdAt: input.now,
      updatedAt: input.now,
      completedAt: null,
    };
    this.tasks.set(task.id, task);
    this.events.set(task.id, [{ seq: 1, event: input.firstEvent }]);
    session.updatedAt = input.now;
    return { task: copyTask(task), created: true };
  }

  async getTask(id: string, userId: string): Promise<TaskRecord | null> {
    const task = this.tasks.get(id);
    return task && task.userId === userId ? copyTask(task) : null;
  }

  async listTasks(
    sessionId: string,
    options: { limit: number; before?: TaskCursor },
  ): Promise<TaskRecord[]> {
    const before = options.before;
    return [...this.tasks.values()]
      .filter((task) => task.sessionId === sessionId)
      .sort(compareTasksNewestFirst)
      .filter((task) => !before || compareTasksNewestFirst(task, before) > 0)
      .slice(0, options.limit)
      .map(copyTask);
  }

  async listRunningTasks(): Promise<TaskRecord[]> {
    return [...this.tasks.values()]
      .filter((task) => task.status === 'running')
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
      .map(copyTask);
  }

  async saveTaskProgress(taskId: string, progress: TaskProgress): Promise<boolean> {
    const task = this.tasks.get(taskId);
    if (!task || task.status !== 'running') return false;
    const events = this.events.get(taskId) ?? [];
    const known = new Set(events.map((event) => event.seq));
    for (const event of progress.events) {
      if (!known.has(event.seq)) events.push({ seq: event.seq, event: event.event });
    }
    events.sort((a, b) => a.seq - b.seq);
    this.events.set(taskId, events);
    task.responseText = progress.responseText;
    task.lastEventSeq = progress.lastEventSeq;
    task.updatedAt = progress.now;
    if (progress.metadata) task.metadata = { ...progress.metadata };
    if (progress.status) {
      task.status = progress.status;
      task.usage = progress.usage ?? null;
      task.error = progress.error ?? null;
      task.completedAt = progress.now;
      const session = this.sessions.get(task.sessionId);
      if (session) session.updatedAt = progress.now;
    }
    return true;
  }

  async listTaskEvents(taskId: string, afterSeq: number): Promise<SequencedTaskEvent[]> {
    return (this.events.get(taskId) ?? [])
      .filter((event) => event.seq > afterSeq)
      .map((e) => ({ ...e }));
  }

  async getLastEventSeqs(taskIds: readonly string[]): Promise<Map<string, number>> {
    const result = new Map<string, number>();
    for (const id of taskIds) {
      const task = this.tasks.get(id);
      if (task) result.set(id, task.lastEventSeq);
    }
    return result;
  }

  async createCompaction(
    compaction: CompactionRecord,
  ): Promise<{ compaction: CompactionRecord; created: boolean }> {
    if (!this.sessions.has(compaction.sessionId)) {
      throw new Error(`Session ${compaction.sessionId} does not exist`);
    }
    if (compaction.agentSeq !== null) {
      const existing = [...this.compactions.values()].find(
        (item) => item.sessionId === compaction.sessionId && item.agentSeq === compaction.agentSeq,
      );
      if (existing) return { compaction: copyCompaction(existing), created: false };
    }
    this.compactions.set(compaction.id, copyCompaction(compaction));
    return { compaction: copyCompaction(compaction), created: true };
  }

  async listCompactions(
    sessionId: string,
    range: { from?: Date; before?: Date } = {},
  ): Promise<CompactionRecord[]> {
    const { from, before } = range;
    return [...this.compactions.values()]
      .filter(
        (item) =>
          item.sessionId === sessionId &&
          (from === undefined || item.createdAt.getTime() >= from.getTime()) &&
          (before === undefined || item.createdAt.getTime() < before.getTime()),
      )
      .sort(compareCompactionsOldestFirst)
      .map(copyCompaction);
  }

  async saveFeedback(
    feedback: FeedbackRecord & { sessionId: string; now: Date },
  ): Promise<FeedbackRecord> {
    const record = {
      taskId: feedback.taskId,
      userId: feedback.userId,
      rating: feedback.rating,
      comment: feedback.comment,
      sessionId: feedback.sessionId,
    };
    this.feedback.set(`${feedback.taskId}\u0000${feedback.userId}`, record);
    return {
      taskId: record.taskId,
      userId: record.userId,
      rating: record.rating,
      comment: record.comment,
    };
  }

  async listFeedback(userId: string, taskIds: string[]): Promise<Map<string, FeedbackRecord>> {
    const result = new Map<string, FeedbackRecord>();
    for (const taskId of taskIds) {
      const record = this.feedback.get(`${taskId}\u0000${userId}`);
      if (record) {
        result.set(taskId, { taskId, userId, rating: record.rating, comment: record.comment });
      }
    }
    return result;
  }

  async getSetting(key: string): Promise<string | null> {
    return this.settings.get(key) ?? null;
  }

  async setSettingIfAbsent(key: string, value: string): Promise<string> {
    const existing = this.settings.get(key);
    if (existing !== undefined) return existing;
    this.settings.set(key, value);
    return value;
  }

  async getWebSession(sid: string, now: Date): Promise<WebSessionRecord | null> {
    const record = this.webSessions.get(sid);
    if (!record || record.expiresAt.getTime() <= now.getTime()) return null;
    return { ...record };
  }

  async setWebSession(sid: string, record: WebSessionRecord): Promise<void> {
    this.webSessions.set(sid, { ...record });
  }

  async touchWebSession(sid: string, expiresAt: Date): Promise<void> {
    const record = this.webSessions.get(sid);
    if (record) record.expiresAt = expiresAt;
  }

  async destroyWebSession(sid: string): Promise<void> {
    this.webSessions.delete(sid);
  }

  async pruneWebSessions(now: Date): Promise<number> {
    let removed = 0;
    for (const [sid, record] of this.webSessions) {
      if (record.expiresAt.getTime() <= now.getTime()) {
        this.webSessions.delete(sid);
        removed += 1;
      }
    }
    return removed;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}

/** Most recently active first; ties broken by id descending (the same order SQL uses). */
function compareSessions(a: SessionCursor, b: SessionCursor): number {
  const byTime = b.updatedAt.getTime() - a.updatedAt.getTime();
  if (byTime !== 0) return byTime;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** Newest first; ties broken by id descending. */
function compareTasksNewestFirst(a: TaskCursor, b: TaskCursor): number {
  const byTime = b.createdAt.getTime() - a.createdAt.getTime();
  if (byTime !== 0) return byTime;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

function copyTask(task: TaskRecord): TaskRecord {
  return {
    ...task,
    usage: task.usage ? { ...task.usage } : null,
    metadata: { ...task.metadata },
  };
}

/** Oldest first; ties broken by id ascending (the same order SQL uses). */
function compareCompactionsOldestFirst(a: CompactionRecord, b: CompactionRecord): number {
  const byTime = a.createdAt.getTime() - b.createdAt.getTime();
  if (byTime !== 0) return byTime;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function copyCompaction(compaction: CompactionRecord): CompactionRecord {
  return { ...compaction, details: { ...compaction.details } };
}
