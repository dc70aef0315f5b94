import { describe, expect, it } from 'vitest';
import { breakDownGrowth, growthPerClientKb } from './rss-growth.js';

describe('growthPerClientKb', () => {
  it('shares the growth in MiB out over the clients, in KB of 1,000 bytes', () => {
    // 10 MiB = 10,485,760 bytes over 200 clients = 52,428.8 bytes each.
    expect(growthPerClientKb(200, 210, 200)).toBeCloseTo(52.4288, 6);
  });

  it('reports a shrink as a negative growth', () => {
    expect(growthPerClientKb(100, 99, 1)).toBeCloseTo(-1048.576, 6);
  });

  it('refuses zero clients', () => {
    expect(() => growthPerClientKb(1, 2, 0)).toThrow(/at least one client/);
  });
});

describe('breakDownGrowth', () => {
  it('splits the total growth into steps that add up to it', () => {
    const growth = breakDownGrowth(
      { baseline: 100, keepAlive: 101, idleSockets: 103, streaming: 106 },
      100,
    );
    expect(growth.keepAlive).toBeCloseTo(10.48576, 6);
    expect(growth.idleSocket).toBeCloseTo(20.97152, 6);
    expect(growth.streaming).toBeCloseTo(31.45728, 6);
    expect(growth.keepAlive + growth.idleSocket + growth.streaming).toBeCloseTo(growth.total, 6);
  });
});
