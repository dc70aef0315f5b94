import { describe, expect, it } from 'vitest';
import { createSqlTemplate, trustedSql } from './sql-template.js';

describe('createSqlTemplate', () => {
  it('binds values, lists and nested statements with numbered placeholders on PostgreSQL', () => {
    const sql = createSqlTemplate('postgresql');
    const inner = sql`SELECT id FROM sessions WHERE updated_at < ${'cutoff'}`;
    expect(
      sql`DELETE FROM t WHERE a IN (${[1, 2]}) AND b IN (${inner}) AND c = ${'x'}${trustedSql(' LIMIT 5')}`,
    ).toEqual({
      text: 'DELETE FROM t WHERE a IN ($1, $2) AND b IN (SELECT id FROM sessions WHERE updated_at < $3) AND c = $4 LIMIT 5',
      values: [1, 2, 'cutoff', 'x'],
    });
  });

  it('uses ? on SQLite and MySQL, repeating values in order', () => {
    const sql = createSqlTemplate('mysql');
    const cutoff = new Date(0);
    expect(sql`SELECT ${cutoff}, ${cutoff}, ${sql`${'a'}`}`).toEqual({
      text: 'SELECT ?, ?, ?',
      values: [cutoff, cutoff, 'a'],
    });
  });

  it('refuses an empty list, which would make invalid SQL', () => {
    const sql = createSqlTemplate('sqlite');
    expect(() => sql`SELECT 1 WHERE a IN (${[]})`).toThrow(/empty list/);
  });
});
