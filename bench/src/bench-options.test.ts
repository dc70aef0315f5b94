import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from './bench-options.js';

describe('parseBenchArgs', () => {
  it('adds the compaction, scale and websocket-streams groups to a full run unless --only chooses', () => {
    expect(parseBenchArgs(['--full']).groups).toEqual([
      'session-store',
      'gateway-turn',
      'startup',
      'compaction',
      'scale',
      'websocket-streams',
    ]);
    expect(parseBenchArgs(['--only', 'scale']).groups).toEqual(['scale']);
    expect(parseBenchArgs(['--only', 'websocket-streams']).groups).toEqual(['websocket-streams']);
  });

  it('runs the quick groups by default', () => {
    expect(parseBenchArgs([])).toEqual({
      full: false,
      groups: ['session-store', 'gateway-turn', 'startup'],
      providers: ['sqlite', 'postgresql', 'mysql'],
    });
  });

  it('accepts --full, --only and --providers, with or without =, after a pnpm "--"', () => {
    expect(
      parseBenchArgs(['--', '--full', '--only=startup,session-store', '--providers', 'mysql']),
    ).toEqual({
      full: true,
      groups: ['session-store', 'startup'],
      providers: ['mysql'],
    });
  });

  it('names an unknown argument or list item and prints the usage', () => {
    expect(() => parseBenchArgs(['--fast'])).toThrow(
      /Unknown argument "--fast"[\s\S]*usage: pnpm bench/,
    );
    expect(() => parseBenchArgs(['--providers', 'oracle'])).toThrow(
      /--providers got oracle; choose from/,
    );
    expect(() => parseBenchArgs(['--only'])).toThrow(/--only needs a value/);
  });
});
