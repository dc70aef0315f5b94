import { describe, expect, it } from 'vitest';
import type { ContextUsage } from '../api/api-types.js';
import { describeContextUsage } from './context-usage-view.js';

const base: ContextUsage = {
  sessionId: 'web-session-1',
  agent: 'assistant',
  source: 'agent',
  inputTokens: 1234,
  estimated: false,
  contextWindow: 4096,
  percent: 30.1,
  compactions: 0,
  model: 'builtin/recall',
};

describe('describeContextUsage', () => {
  it('shows tokens against the window with a colour per threshold', () => {
    expect(describeContextUsage(base)).toMatchObject({
      level: 'low',
      fill: 0.301,
      label: '1,234 / 4,096 · 30%',
      stale: false,
    });
    expect(describeContextUsage({ ...base, percent: 50 }).level).toBe('medium');
    expect(describeContextUsage({ ...base, percent: 79.9 }).level).toBe('medium');
    expect(describeContextUsage({ ...base, percent: 80 }).level).toBe('high');
    expect(describeContextUsage({ ...base, inputTokens: 5000, percent: 122 }).fill).toBe(1);
    expect(describeContextUsage({ ...base, inputTokens: 20, percent: 0.5 }).label).toBe(
      '20 / 4,096 · <1%',
    );
    expect(describeContextUsage(base).details).toEqual([
      '1,234 of 4,096 tokens used (30.1%).',
      "Input tokens of the agent's last model call, as the provider reported them.",
      'Not compressed yet.',
      'Model: builtin/recall',
    ]);
  });

  it('says an unknown window honestly instead of guessing a percentage', () => {
    const view = describeContextUsage({ ...base, contextWindow: null, percent: null });
    expect(view).toMatchObject({
      level: 'unknown',
      fill: null,
      label: '1,234 tokens · window unknown',
    });
    expect(view.details[0]).toContain('set model.context_window');
  });

  it('marks estimates, counts compactions and flags figures recorded by the gateway', () => {
    const view = describeContextUsage({
      ...base,
      source: 'gateway',
      estimated: true,
      compactions: 2,
      lastCompaction: {
        at: '2030-01-01T00:00:00.000Z',
        reason: 'manual',
        turnsCompacted: 3,
        tokensBefore: 2000,
        tokensAfter: 600,
      },
      message: 'Agent "assistant" is not reachable.',
    });
    expect(view.label).toBe('≈1,234 / 4,096 · 30%');
    expect(view.stale).toBe(true);
    expect(view.details).toContain('Compressed 2 times; last: 3 turns summarised (on request).');
    expect(view.details.at(-1)).toBe(
      'assistant did not answer: these are the last figures the gateway recorded for this chat.',
    );
  });

  it('shows an empty context before the first reply', () => {
    const view = describeContextUsage({
      ...base,
      inputTokens: null,
      percent: null,
      message: 'No messages yet.',
    });
    expect(view).toMatchObject({ level: 'unknown', fill: null, label: 'No context yet' });
    expect(view.details[0]).toBe('No messages yet.');
  });
});
