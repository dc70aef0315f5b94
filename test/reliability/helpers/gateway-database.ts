import { openDatabase } from '@agent-mesh/shared';

/** One chat task as stored in the gateway database, with the seq numbers of its stream events. */
export interface StoredTaskView {
  id: string;
  sessionId: string;
  userId: string;
  userMessage: string;
  responseText: string;
  status: string;
  error: string | null;
  lastEventSeq: number;
  /** Seq numbers of its task_events rows, ascending. */
  seqs: number[];
  /** Types of its events in seq order. */
  types: string[];
  /** The parsed final message-end event, when stored. */
  end: { status: string; text: string } | undefined;
}

/** Reads every chat task of a gateway database with its events (opened without migrating, closed again). */
export async function readGatewayTasks(databaseUrl: string): Promise<StoredTaskView[]> {
  const database = await openDatabase({ url: databaseUrl, schema: 'gateway', migrate: false });
  try {
    const tasks = await database.client.chatTask.findMany({
      include: { events: { orderBy: { seq: 'asc' } } },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    return tasks.map((task) => {
      const endRow = task.events.find((event) => event.type === 'message-end');
      return {
        id: task.id,
        sessionId: task.sessionId,
        userId: task.userId,
        userMessage: task.userMessage,
        responseText: task.responseText,
        status: task.status,
        error: task.error,
        lastEventSeq: task.lastEventSeq,
        seqs: task.events.map((event) => event.seq),
        types: task.events.map((event) => event.type),
        end: endRow ? (JSON.parse(endRow.data) as { status: string; text: string }) : undefined,
      };
    });
  } finally {
    await database.close();
  }
}

/** Counts the rows of the gateway tables that user input can create. */
export async function countGatewayRows(
  databaseUrl: string,
): Promise<{ sessions: number; tasks: number; events: number; feedback: number }> {
  const database = await openDatabase({ url: databaseUrl, schema: 'gateway', migrate: false });
  try {
    const client = database.client;
    const [sessions, tasks, events, feedback] = await Promise.all([
      client.chatSession.count(),
      client.chatTask.count(),
      client.taskEvent.count(),
      client.feedback.count(),
    ]);
    return { sessions, tasks, events, feedback };
  } finally {
    await database.close();
  }
}

/**
 * Lists what is wrong with a stored task's consistency: a missing user message, a status that is not
 * final, event seqs that are not 1..n without gaps, lastEventSeq not matching, a final event missing
 * or disagreeing with the row. An empty list means the task is whole.
 */
export function taskConsistencyProblems(task: StoredTaskView): string[] {
  const problems: string[] = [];
  if (task.userMessage === '') problems.push('empty user message');
  if (!['completed', 'interrupted', 'failed', 'canceled'].includes(task.status)) {
    problems.push(`status ${task.status} is not final`);
  }
  const expected = task.seqs.map((_seq, index) => index + 1);
  if (task.seqs.join(',') !== expected.join(',')) problems.push(`seqs ${task.seqs.join(',')}`);
  if (task.lastEventSeq !== task.seqs.length) {
    problems.push(`lastEventSeq ${task.lastEventSeq} but ${task.seqs.length} events`);
  }
  if (task.types[0] !== 'message-start') problems.push('first event is not message-start');
  if (task.types.at(-1) !== 'message-end' || task.end === undefined) {
    problems.push('last event is not message-end');
  } else if (task.end.status !== task.status || task.end.text !== task.responseText) {
    problems.push(`message-end says ${task.end.status} but the row says ${task.status}`);
  }
  if (task.types.filter((type) => type === 'message-end').length > 1) {
    problems.push('more than one message-end');
  }
  return problems;
}
