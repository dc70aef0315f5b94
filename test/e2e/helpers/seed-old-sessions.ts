import { randomUUID } from 'node:crypto';
import { createWebSessionId, openDatabase } from '@agent-mesh/shared';

/** What to seed: how many sessions, whose, and when they were last active. */
export interface SeedOptions {
  count: number;
  lastActive: Date;
  userId?: string;
}

/** Row counts of the gateway database. */
export interface GatewayCounts {
  sessions: number;
  tasks: number;
  taskEvents: number;
  feedback: number;
}

/** Row counts of an agent database. */
export interface AgentCounts {
  sessions: number;
  events: number;
  tasks: number;
}

/**
 * Bulk-inserts gateway sessions last active at `lastActive` (minus a second each), each with two
 * completed exchanges of three stream events and a feedback row — the shape a gateway writes, fast
 * enough for hundreds of rows. Migrates the database first; returns the session ids.
 */
export async function seedGatewaySessions(url: string, options: SeedOptions): Promise<string[]> {
  const database = await openDatabase({ url, schema: 'gateway' });
  try {
    const userId = options.userId ?? 'anon-seeded';
    const sessions = Array.from({ length: options.count }, (_, index) => {
      const at = new Date(options.lastActive.getTime() - index * 1000);
      return {
        id: createWebSessionId(),
        userId,
        name: `old chat ${index}`,
        agent: 'assistant',
        createdAt: at,
        updatedAt: at,
      };
    });
    const tasks = sessions.flatMap((session) =>
      [1, 2].map((turn) => ({
        id: `task-${randomUUID()}`,
        sessionId: session.id,
        userId,
        agent: 'assistant',
        userMessage: `question ${turn}`,
        responseText: `answer ${turn}`,
        status: 'completed',
        lastEventSeq: 3,
        createdAt: session.updatedAt,
        updatedAt: session.updatedAt,
        completedAt: session.updatedAt,
      })),
    );
    await database.client.chatSession.createMany({ data: sessions });
    await database.client.chatTask.createMany({ data: tasks });
    await database.client.taskEvent.createMany({
      data: tasks.flatMap((task) =>
        [
          { type: 'message-start', agent: 'assistant' },
          { type: 'message-delta', text: task.responseText },
          { type: 'message-end', status: 'completed', text: task.responseText },
        ].map((event, index) => ({
          taskId: task.id,
          seq: index + 1,
          type: event.type,
          data: JSON.stringify(event),
          createdAt: task.createdAt,
        })),
      ),
    });
    await database.client.feedback.createMany({
      data: tasks.map((task) => ({
        id: `feedback-${randomUUID()}`,
        taskId: task.id,
        sessionId: task.sessionId,
        userId,
        rating: 'up',
        createdAt: task.createdAt,
        updatedAt: task.createdAt,
      })),
    });
    return sessions.map((session) => session.id);
  } finally {
    await database.close();
  }
}

/**
 * Bulk-inserts sessions of agent "assistant" last active at `lastActive` (minus a second each), each
 * with four events (two exchanges) and one A2A task record of its context. Migrates the database
 * first; returns the session ids.
 */
export async function seedAgentSessions(url: string, options: SeedOptions): Promise<string[]> {
  const database = await openDatabase({ url, schema: 'agent' });
  try {
    const userId = options.userId ?? 'anon-seeded';
    const ids = Array.from({ length: options.count }, () => createWebSessionId());
    const at = (index: number): Date => new Date(options.lastActive.getTime() - index * 1000);
    await database.client.agentSession.createMany({
      data: ids.map((id, index) => ({
        appName: 'assistant',
        userId,
        id,
        state: '{}',
        lastSeq: 4,
        createdAt: at(index),
        updatedAt: at(index),
      })),
    });
    const rows = await database.client.agentSession.findMany({
      where: { appName: 'assistant', id: { in: ids } },
      select: { pk: true, id: true },
    });
    const indexOf = new Map(ids.map((id, index) => [id, index]));
    await database.client.agentEvent.createMany({
      data: rows.flatMap((row) =>
        [1, 2, 3, 4].map((seq) => ({
          sessionPk: row.pk,
          seq,
          id: randomUUID(),
          invocationId: `task-${Math.ceil(seq / 2)}`,
          author: seq % 2 === 1 ? 'user' : 'assistant',
          content: JSON.stringify({
            role: seq % 2 === 1 ? 'user' : 'assistant',
            parts: [{ type: 'text', text: `old message ${seq}` }],
          }),
          timestamp: at(indexOf.get(row.id) ?? 0),
        })),
      ),
    });
    await database.client.a2aTask.createMany({
      data: ids.map((id, index) => ({
        id: `a2a-${randomUUID()}`,
        appName: 'assistant',
        contextId: id,
        data: '{}',
        createdAt: at(index),
        updatedAt: at(index),
      })),
    });
    return ids;
  } finally {
    await database.close();
  }
}

/** Counts the rows of a gateway database and lists its session ids. */
export async function readGatewayDatabase(
  url: string,
): Promise<{ counts: GatewayCounts; sessionIds: string[] }> {
  const database = await openDatabase({ url, schema: 'gateway', migrate: false });
  try {
    const client = database.client;
    return {
      counts: {
        sessions: await client.chatSession.count(),
        tasks: await client.chatTask.count(),
        taskEvents: await client.taskEvent.count(),
        feedback: await client.feedback.count(),
      },
      sessionIds: (await client.chatSession.findMany({ select: { id: true } }))
        .map((row) => row.id)
        .sort(),
    };
  } finally {
    await database.close();
  }
}

/** Counts the rows of an agent database and lists its session ids. */
export async function readAgentDatabase(
  url: string,
): Promise<{ counts: AgentCounts; sessionIds: string[] }> {
  const database = await openDatabase({ url, schema: 'agent', migrate: false });
  try {
    const client = database.client;
    return {
      counts: {
        sessions: await client.agentSession.count(),
        events: await client.agentEvent.count(),
        tasks: await client.a2aTask.count(),
      },
      sessionIds: (await client.agentSession.findMany({ select: { id: true } }))
        .map((row) => row.id)
        .sort(),
    };
  } finally {
    await database.close();
  }
}
