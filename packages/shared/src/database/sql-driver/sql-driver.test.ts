import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  testDatabaseProviders,
  type TestDatabase,
} from '../../testing/index.js';
import { isUniqueConstraintError } from '../database-errors.js';
import type { AgentDatabase } from '../database-types.js';
import { openDatabase } from '../open-database.js';

// A millisecond-precise instant whose local and UTC wall times differ in most zones.
const moment = new Date('2026-03-04T23:06:07.089Z');

describe.each(testDatabaseProviders)('database.driver on %s', (provider) => {
  let testDatabase: TestDatabase;
  let database: AgentDatabase;
  const p = (n: number): string => (provider === 'postgresql' ? `$${n}` : '?');
  const q = (name: string): string => (provider === 'mysql' ? `\`${name}\`` : `"${name}"`);

  const insertSession = (id: string, at: Date) =>
    database.driver.execute(
      `INSERT INTO sessions (app_name, user_id, id, state, last_seq, created_at, updated_at) VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, 0, ${p(5)}, ${p(6)})`,
      ['app', 'user', id, '{}', at, at],
    );

  beforeAll(async () => {
    testDatabase = await createTestDatabase(provider);
    database = await openDatabase({ url: testDatabase.url, schema: 'agent' });
  });

  afterAll(async () => {
    await database?.close();
    await testDatabase?.drop();
  });

  it('writes timestamps that Prisma reads back as the same instant, and reads Prisma-written ones alike', async () => {
    expect(await insertSession('driver-written', moment)).toBe(1);
    const viaPrisma = await database.client.agentSession.findFirstOrThrow({
      where: { id: 'driver-written' },
    });
    expect(viaPrisma.createdAt.toISOString()).toBe(moment.toISOString());

    await database.client.agentSession.create({
      data: {
        appName: 'app',
        userId: 'user',
        id: 'prisma-written',
        state: '{}',
        createdAt: moment,
      },
    });
    const rows = await database.driver.query<{ created_at: unknown; last_seq: unknown }>(
      `SELECT created_at, last_seq FROM sessions WHERE id = ${p(1)}`,
      ['prisma-written'],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.created_at).toBeInstanceOf(Date);
    expect((rows[0]!.created_at as Date).toISOString()).toBe(moment.toISOString());
    expect(rows[0]!.last_seq).toBe(0);
  });

  it('runs a batch all or nothing and reports the rows each statement changed', async () => {
    await insertSession('batch', moment);
    const update = {
      text: `UPDATE sessions SET last_seq = last_seq + 1 WHERE id = ${p(1)}`,
      values: ['batch'],
    };
    expect(await database.driver.batch([update, update])).toEqual([1, 1]);
    // The second statement collides with an existing row: the first one's change is rolled back too.
    const duplicate = {
      text: `INSERT INTO sessions (app_name, user_id, id, state, last_seq, created_at, updated_at) VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, 0, ${p(5)}, ${p(6)})`,
      values: ['app', 'user', 'batch', '{}', moment, moment],
    };
    const refused: unknown = await database.driver
      .batch([update, duplicate])
      .catch((error) => error);
    expect(isUniqueConstraintError(refused)).toBe(true);
    const [row] = await database.driver.query<{ last_seq: number }>(
      `SELECT last_seq FROM sessions WHERE id = ${p(1)}`,
      ['batch'],
    );
    expect(row?.last_seq).toBe(2);
  });

  it('keeps concurrent batches apart: a failing one changes nothing, the others commit', async () => {
    await Promise.all(['group-a', 'group-b', 'group-c'].map((id) => insertSession(id, moment)));
    const bump = (id: string) => ({
      text: `UPDATE sessions SET last_seq = last_seq + 1 WHERE id = ${p(1)}`,
      values: [id],
    });
    const collide = {
      text: `INSERT INTO sessions (app_name, user_id, id, state, last_seq, created_at, updated_at) VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, 0, ${p(5)}, ${p(6)})`,
      values: ['app', 'user', 'group-a', '{}', moment, moment],
    };
    const outcomes = await Promise.allSettled([
      database.driver.batch([bump('group-a')]),
      database.driver.batch([bump('group-b'), collide]),
      database.driver.batch([bump('group-c'), bump('group-c')]),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    const rows = await database.driver.query<{ id: string; last_seq: number }>(
      `SELECT id, last_seq FROM sessions WHERE id IN (${p(1)}, ${p(2)}, ${p(3)}) ORDER BY id`,
      ['group-a', 'group-b', 'group-c'],
    );
    expect(rows).toEqual([
      { id: 'group-a', last_seq: 1 },
      { id: 'group-b', last_seq: 0 },
      { id: 'group-c', last_seq: 2 },
    ]);
  });

  it('commits a transaction, and rolls it back when its work throws', async () => {
    await insertSession('tx', moment);
    const bump = `UPDATE sessions SET last_seq = last_seq + 1 WHERE id = ${p(1)}`;
    await database.driver.transaction(async (tx) => {
      await tx.execute(bump, ['tx']);
    });
    await expect(
      database.driver.transaction(async (tx) => {
        await tx.execute(bump, ['tx']);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    const [row] = await database.driver.query<{ last_seq: number }>(
      `SELECT last_seq FROM sessions WHERE id = ${p(1)}`,
      ['tx'],
    );
    expect(row?.last_seq).toBe(1);
  });

  it('keeps statements issued during an open transaction out of it', async () => {
    await insertSession('outside', moment);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const transaction = database.driver.transaction(async (tx) => {
      await tx.execute(`UPDATE sessions SET last_seq = 5 WHERE id = ${p(1)}`, ['outside']);
      await held;
      throw new Error('roll back');
    });
    // Issued while the transaction is open: must not become part of it (and be rolled back with it).
    const outside = database.driver.execute(
      `UPDATE sessions SET state = ${p(1)} WHERE id = ${p(2)}`,
      ['{"kept":true}', 'outside'],
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    await expect(transaction).rejects.toThrow('roll back');
    expect(await outside).toBe(1);
    const [row] = await database.driver.query<{ last_seq: number; state: string }>(
      `SELECT last_seq, state FROM sessions WHERE id = ${p(1)}`,
      ['outside'],
    );
    expect(row).toEqual({ last_seq: 0, state: '{"kept":true}' });
  });

  it('waits for a transaction Prisma has open on the same connection instead of joining it', async () => {
    await insertSession('prisma-tx', moment);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const prismaTransaction = database.client.$transaction(async (tx) => {
      await tx.agentSession.updateMany({ where: { id: 'prisma-tx' }, data: { lastSeq: 7 } });
      await held;
      throw new Error('prisma rolls back');
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const outside = database.driver.execute(
      `UPDATE sessions SET state = ${p(1)} WHERE id = ${p(2)}`,
      ['{"mine":1}', 'prisma-tx'],
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    await expect(prismaTransaction).rejects.toThrow('prisma rolls back');
    expect(await outside).toBe(1);
    const [row] = await database.driver.query<{ last_seq: number; state: string }>(
      `SELECT last_seq, state FROM sessions WHERE id = ${p(1)}`,
      ['prisma-tx'],
    );
    expect(row).toEqual({ last_seq: 0, state: '{"mine":1}' });
  });

  it('quotes reserved column names and returns text and nulls as stored', async () => {
    const [session] = await database.driver.query<{ pk: number }>(
      `SELECT pk FROM sessions WHERE id = ${p(1)}`,
      ['driver-written'],
    );
    await database.driver.execute(
      `INSERT INTO events (session_pk, seq, id, invocation_id, author, message_id, content, actions, ${q('usage')}, ${q('timestamp')}) VALUES (${p(1)}, 1, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, ${p(7)}, ${p(8)}, ${p(9)})`,
      [session!.pk, 'e1', 'i1', 'user', null, 'Zürich 🚀', null, '{"in":1}', moment],
    );
    const [event] = await database.driver.query<Record<string, unknown>>(
      `SELECT message_id, content, ${q('usage')}, ${q('timestamp')} FROM events WHERE session_pk = ${p(1)}`,
      [session!.pk],
    );
    expect(event).toMatchObject({ message_id: null, content: 'Zürich 🚀', usage: '{"in":1}' });
    expect(event!.timestamp).toBeInstanceOf(Date);
    expect((event!.timestamp as Date).toISOString()).toBe(moment.toISOString());
  });
});
