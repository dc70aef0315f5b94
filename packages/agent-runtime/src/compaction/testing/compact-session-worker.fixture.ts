// A child process for compact-session.multi-process.test.ts: compacts one session from its own process
// and connection pool, so two of them hitting "overflow" together race for real on one database.
// Usage: node --conditions=source --import tsx compact-session-worker.fixture.ts <url> <key-json> <database|none>
// Prints "ready", waits for "go" on stdin, compacts, prints the result as JSON.
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase } from '@agent-mesh/shared';
import { wrapLanguageModel } from 'ai';
import { BuiltinRecallModel } from '../../models/builtin/builtin-recall-model.js';
import type { SessionKey } from '../../sessions/session-service.js';
import { SqlSessionService } from '../../sessions/sql-session-service.js';
import { compactSession } from '../compact-session.js';
import { createSessionLock } from '../create-session-lock.js';
import type { SessionLock } from '../session-lock.js';

const [url, keyJson, lockMode] = process.argv.slice(2);
if (
  url === undefined ||
  keyJson === undefined ||
  (lockMode !== 'database' && lockMode !== 'none')
) {
  throw new Error('usage: compact-session-worker.fixture.ts <url> <key-json> <database|none>');
}
const key = JSON.parse(keyJson) as SessionKey;
const database = await openDatabase({
  url,
  schema: 'agent',
  migrate: false,
  pool: { max_connections: 3 },
});
const sessions = new SqlSessionService(database);
// `none` is the control: without a lock both processes must compact, which proves the race is real.
const lock: SessionLock =
  lockMode === 'database'
    ? createSessionLock(database)
    : { kind: 'memory', withLock: (_key, action) => action() };
// A summariser that takes a while, like a real one, so the two compactions overlap.
const model = wrapLanguageModel({
  model: new BuiltinRecallModel(),
  middleware: {
    specificationVersion: 'v3',
    wrapGenerate: async ({ doGenerate }) => {
      await sleep(400);
      return doGenerate();
    },
  },
});
const seen = await sessions.getSession(key);
process.stdout.write('ready\n');

const lines = createInterface({ input: process.stdin });
for await (const line of lines) if (line === 'go') break;
lines.close();

const result = await compactSession({
  sessions,
  key,
  model,
  percentage: 0.25,
  reason: 'overflow',
  lock,
  expectedCompactionSeq: seen?.compactionSeq ?? null,
});
await database.close();
process.stdout.write(`${JSON.stringify(result)}\n`);
