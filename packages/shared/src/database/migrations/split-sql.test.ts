import { describe, expect, it } from 'vitest';
import { splitSqlStatements } from './split-sql.js';

describe('splitSqlStatements', () => {
  it('splits at top-level semicolons and reports the line each statement starts on', () => {
    const script =
      '-- CreateTable\nCREATE TABLE a (x INTEGER);\n\n-- CreateIndex\nCREATE INDEX i ON a(x);\n';
    expect(splitSqlStatements(script)).toEqual([
      { sql: 'CREATE TABLE a (x INTEGER)', line: 2 },
      { sql: 'CREATE INDEX i ON a(x)', line: 5 },
    ]);
  });

  it('keeps semicolons inside strings, quoted identifiers and comments', () => {
    const script = [
      "INSERT INTO t VALUES ('a;b', 'it''s; fine', 'back\\'slash;');",
      'CREATE TABLE "we;ird" (`x;y` TEXT); /* a; b */',
      '-- trailing; comment',
    ].join('\n');
    expect(splitSqlStatements(script).map((statement) => statement.sql)).toEqual([
      "INSERT INTO t VALUES ('a;b', 'it''s; fine', 'back\\'slash;')",
      'CREATE TABLE "we;ird" (`x;y` TEXT)',
    ]);
  });

  it('keeps PostgreSQL dollar-quoted bodies whole but not $1 placeholders', () => {
    const script =
      'CREATE FUNCTION f() RETURNS void AS $body$ BEGIN PERFORM 1; END; $body$ LANGUAGE plpgsql;\n' +
      'DO $$ BEGIN NULL; END $$;\nSELECT $1;';
    expect(splitSqlStatements(script).map((statement) => statement.sql)).toEqual([
      'CREATE FUNCTION f() RETURNS void AS $body$ BEGIN PERFORM 1; END; $body$ LANGUAGE plpgsql',
      'DO $$ BEGIN NULL; END $$',
      'SELECT $1',
    ]);
  });

  it('treats # as a comment only for MySQL', () => {
    expect(splitSqlStatements('# note; here\nSELECT 1;', { hashComments: true })).toEqual([
      { sql: 'SELECT 1', line: 2 },
    ]);
    expect(splitSqlStatements('SELECT 2 # 3;')).toEqual([{ sql: 'SELECT 2 # 3', line: 1 }]);
  });

  it('drops empty and comment-only pieces, and keeps a last statement without semicolon', () => {
    expect(splitSqlStatements(';;\n-- only a comment;\n  SELECT 1')).toEqual([
      { sql: 'SELECT 1', line: 3 },
    ]);
    expect(splitSqlStatements('')).toEqual([]);
  });
});
