import { describe, expect, it } from 'vitest';
import {
  classifyPostgresProcess,
  postgresCpuBetween,
  snapshotPostgresCpu,
  type PostgresCpuSnapshot,
} from './postgres-server-cpu.js';

const ours = ['am_test_a', 'am_test_b'];

describe('classifyPostgresProcess', () => {
  it('calls our databases’ backends ours, TCP or Unix socket', () => {
    const tcp = 'postgres: 15/main: postgres am_test_a 127.0.0.1(51234) idle';
    const local = 'postgres: postgres am_test_b [local] SELECT';
    expect(classifyPostgresProcess('postgres', tcp, ours)).toBe('ours');
    expect(classifyPostgresProcess('postgres', local, ours)).toBe('ours');
  });

  it('calls another database’s backend other, even when its name starts like ours', () => {
    const line = 'postgres: 15/main: postgres am_test_ab 127.0.0.1(40000) idle in transaction';
    expect(classifyPostgresProcess('postgres', line, ours)).toBe('other');
  });

  it('calls the postmaster and the background processes server', () => {
    for (const line of [
      '/usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main',
      'postgres: 15/main: checkpointer',
      'postgres: 15/main: background writer',
      'postgres: walwriter',
      'postgres: 15/main: autovacuum launcher',
    ])
      expect(classifyPostgresProcess('postgres', line, ours)).toBe('server');
  });

  it('ignores processes that are not PostgreSQL', () => {
    expect(classifyPostgresProcess('node', 'node dist/main.js am_test_a', ours)).toBeNull();
  });
});

describe('postgresCpuBetween', () => {
  it('sums each role’s growth, counts new processes whole and exited ones apart', () => {
    const before: PostgresCpuSnapshot = new Map([
      [1, { role: 'server', ms: 100 }],
      [2, { role: 'ours', ms: 50 }],
      [3, { role: 'other', ms: 10 }],
      [4, { role: 'ours', ms: 30 }],
    ]);
    const after: PostgresCpuSnapshot = new Map([
      [1, { role: 'server', ms: 120 }],
      [2, { role: 'ours', ms: 80 }],
      [3, { role: 'other', ms: 15 }],
      [5, { role: 'ours', ms: 40 }],
    ]);
    expect(postgresCpuBetween(before, after)).toEqual({
      ours: 70,
      server: 20,
      other: 5,
      exited: 1,
    });
  });

  it('counts a reused pid whose time went backwards as a new process', () => {
    const before: PostgresCpuSnapshot = new Map([[7, { role: 'other', ms: 500 }]]);
    const after: PostgresCpuSnapshot = new Map([[7, { role: 'ours', ms: 20 }]]);
    expect(postgresCpuBetween(before, after)).toMatchObject({ ours: 20, other: 0 });
  });
});

describe('snapshotPostgresCpu', () => {
  it('finds only PostgreSQL processes, or none', () => {
    const snapshot = snapshotPostgresCpu(ours);
    for (const [pid, entry] of snapshot ?? []) {
      expect(pid).not.toBe(process.pid);
      expect(entry.ms).toBeGreaterThanOrEqual(0);
    }
  });
});
