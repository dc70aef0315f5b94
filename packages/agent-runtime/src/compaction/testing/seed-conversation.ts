import { randomUUID } from 'node:crypto';
import type { SessionKey, SessionService } from '../../sessions/session-service.js';

/** One exchange a test stores: the user's text and the agent's reply. */
export interface SeedExchange {
  user: string;
  reply: string;
}

/**
 * Test helper: stores exchanges in a session (creating it when missing) as the runner would — a user
 * message event, then the agent's reply event — and returns the seqs of the user messages.
 */
export async function seedConversation(
  sessions: SessionService,
  key: SessionKey,
  exchanges: readonly SeedExchange[],
): Promise<number[]> {
  await sessions.getOrCreateSession(key);
  const userSeqs: number[] = [];
  for (const [index, exchange] of exchanges.entries()) {
    const invocationId = `seed-${index + 1}`;
    const userEvent = await sessions.appendEvent(key, {
      invocationId,
      author: 'user',
      messageId: randomUUID(),
      content: { role: 'user', parts: [{ type: 'text', text: exchange.user }] },
    });
    userSeqs.push(userEvent.seq);
    await sessions.appendEvent(key, {
      invocationId,
      author: key.appName,
      content: { role: 'assistant', parts: [{ type: 'text', text: exchange.reply }] },
    });
  }
  return userSeqs;
}

/** The exchange that states the fact most tests recall later: the user's name. */
export const adaExchange: SeedExchange = {
  user: 'My name is Ada Lovelace.',
  reply: 'Got it: your name is Ada Lovelace.',
};

/** `count` numbered exchanges, each stating one fact the built-in model can recall ("the code for locker N"). */
export function lockerExchanges(count: number, from = 1): SeedExchange[] {
  return Array.from({ length: count }, (_, index) => {
    const number = from + index;
    return {
      user: `The code for locker ${number} is ${4700 + number}.`,
      reply: `Got it: the code for locker ${number} is ${4700 + number}.`,
    };
  });
}
