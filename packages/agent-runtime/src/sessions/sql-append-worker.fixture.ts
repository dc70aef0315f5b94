// A child process for sql-session-service.multi-process.test.ts: appends events to one session from its
// own process and connection, so two of them race for real on one SQLite file or PostgreSQL database.
// Usage: node --conditions=source --import tsx sql-append-worker.fixture.ts <url> <key-json> <worker> <count>
import { createInterface } from 'node:readline';
import { openDatabase } from '@agent-mesh/shared';
import type { SessionKey } from './session-service.js';
import { SqlSessionService } from './sql-session-service.js';

const [url, keyJson, worker, countText] = process.argv.slice(2);
if (url === undefined || keyJson === undefined || worker === undefined || countText === undefined) {
  throw new Error('usage: sql-append-worker.fixture.ts <url> <key-json> <worker> <count>');
}
const key = JSON.parse(keyJson) as SessionKey;
const count = Number(countText);
const database = await openDatabase({
  url,
  schema: 'agent',
  migrate: false,
  pool: { max_connections: 3 },
});
const service = new SqlSessionService(database);
await service.getSession(key);
process.stdout.write('ready\n');

// Start appending only when the parent says go, so both processes overlap.
const lines = createInterface({ input: process.stdin });
for await (const line of lines) if (line === 'go') break;
lines.close();

const seqs: number[] = [];
let next = 0;
async function appendLoop(): Promise<void> {
  while (next < count) {
    const index = next++;
    const event = await service.appendEvent(key, {
      invocationId: `${worker}-${index}`,
      author: 'assistant',
      content: { role: 'assistant', parts: [{ type: 'text', text: `${worker} ${index}` }] },
      // Odd events also change user: state, so both ways of appending race across the processes.
      actions: {
        stateDelta: {
          [`${worker}-${index}`]: index,
          ...(index % 2 === 1 ? { [`user:${worker}-${index}`]: index } : {}),
        },
      },
    });
    seqs.push(event.seq);
  }
}
await Promise.all([appendLoop(), appendLoop(), appendLoop()]);
await database.close();
process.stdout.write(`${JSON.stringify({ seqs })}\n`);
