import { openDatabase } from '@agent-mesh/shared';

/** One stored event as a test reads it. */
export interface StoredEventView {
  seq: number;
  author: string;
  messageId: string | null;
  /** The joined text parts. */
  text: string;
  /** The parsed content (role, parts). */
  content: { role: string; parts: Array<Record<string, unknown>> } | null;
  usage: Record<string, unknown> | null;
  /** The parsed actions (stateDelta, compaction), or null. */
  actions: { stateDelta?: Record<string, unknown>; compaction?: Record<string, unknown> } | null;
}

/** One stored session with its events, in seq order. */
export interface StoredSessionView {
  appName: string;
  userId: string;
  id: string;
  events: StoredEventView[];
}

/** Reads every session and event of an agent database (opened without migrating, closed again). */
export async function readAgentSessions(databaseUrl: string): Promise<StoredSessionView[]> {
  const database = await openDatabase({ url: databaseUrl, schema: 'agent', migrate: false });
  try {
    const sessions = await database.client.agentSession.findMany({
      include: { events: { orderBy: { seq: 'asc' } } },
      orderBy: [{ appName: 'asc' }, { userId: 'asc' }, { id: 'asc' }],
    });
    return sessions.map((session) => ({
      appName: session.appName,
      userId: session.userId,
      id: session.id,
      events: session.events.map((event) => {
        const content =
          event.content === null ? null : (JSON.parse(event.content) as StoredEventView['content']);
        const text = (content?.parts ?? [])
          .filter((part) => part.type === 'text')
          .map((part) => String(part.text))
          .join('');
        return {
          seq: event.seq,
          author: event.author,
          messageId: event.messageId,
          text,
          content,
          usage: event.usage === null ? null : (JSON.parse(event.usage) as Record<string, unknown>),
          actions:
            event.actions === null
              ? null
              : (JSON.parse(event.actions) as StoredEventView['actions']),
        };
      }),
    }));
  } finally {
    await database.close();
  }
}

/** Reads the a2a_tasks rows of an agent database: id, app name and the stored task JSON. */
export async function readAgentTasks(
  databaseUrl: string,
): Promise<Array<{ id: string; appName: string; data: unknown }>> {
  const database = await openDatabase({ url: databaseUrl, schema: 'agent', migrate: false });
  try {
    const rows = await database.client.a2aTask.findMany({ orderBy: { createdAt: 'asc' } });
    return rows.map((row) => ({
      id: row.id,
      appName: row.appName,
      data: JSON.parse(row.data) as unknown,
    }));
  } finally {
    await database.close();
  }
}
