import { describe, expect, it } from 'vitest';
import { turnCpuBudget } from './turn-cpu-budget.js';

describe('turnCpuBudget', () => {
  it('sums gateway, agent and database server, then adds the client, and turns both into ceilings', () => {
    const budget = turnCpuBudget(
      { gateway: 3, agent: 2.5, database: 2.5, client: 2, databaseOtherBackends: 9 },
      2,
      'measured',
    );
    expect(budget).toEqual({
      cores: 2,
      databaseServer: 'measured',
      deploymentMsPerTurn: 8,
      allMsPerTurn: 10,
      ceilingWithoutClient: 250,
      ceilingWithClient: 200,
    });
  });

  it('tells what the rest of a shared machine used, and how much of it stayed idle', () => {
    const budget = turnCpuBudget(
      { gateway: 3, agent: 2, client: 1, machine: 10, machineIdle: 2.5 },
      2,
      'in-process',
    );
    expect(budget).toMatchObject({
      machineMsPerTurn: 10,
      othersMsPerTurn: 4,
      machineIdleShare: 0.2,
    });
  });

  it('works without a database server (SQLite) or a client figure', () => {
    const budget = turnCpuBudget({ gateway: 4, agent: 1 }, 2, 'in-process');
    expect(budget?.ceilingWithoutClient).toBe(400);
    expect(budget?.ceilingWithClient).toBe(400);
  });

  it('is null when no deployment process was measured', () => {
    expect(turnCpuBudget({ client: 3 }, 2, 'not measured')).toBeNull();
  });
});
