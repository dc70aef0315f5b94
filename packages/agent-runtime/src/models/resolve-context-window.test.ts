import { describe, expect, it } from 'vitest';

import type { ModelConfigInput } from './model-config.js';
import { resolveContextWindow } from './resolve-context-window.js';

const openai = (name: string): ModelConfigInput => ({ provider: 'openai', name });

describe('resolveContextWindow', () => {
  it('prefers context_window from the config, even over a known model', () => {
    expect(resolveContextWindow({ provider: 'openai', name: 'gpt-4o', context_window: 5000 })).toBe(
      5000,
    );
    expect(
      resolveContextWindow({ provider: 'builtin', name: 'recall', context_window: 4096 }),
    ).toBe(4096);
  });

  it.each([
    ['gpt-4o', 128_000],
    ['gpt-4o-mini', 128_000],
    ['gpt-4o-2024-08-06', 128_000],
    ['gpt-4.1', 1_047_576],
    ['gpt-4.1-mini-2025-04-14', 1_047_576],
    ['gpt-4-turbo', 128_000],
    ['gpt-4', 8_192],
    ['gpt-3.5-turbo', 16_385],
    ['o3', 200_000],
    ['o3-mini', 200_000],
    ['o4-mini', 200_000],
    ['o1-mini', 128_000],
    ['claude-3-5-sonnet-20241022', 200_000],
    ['claude-3-7-sonnet-latest', 200_000],
    ['claude-3-opus-20240229', 200_000],
    ['claude-sonnet-4-20250514', 200_000],
    ['claude-opus-4-1', 200_000],
    ['anthropic/claude-3.5-sonnet', 200_000],
    ['gemini-1.5-pro', 2_097_152],
    ['gemini-1.5-flash-8b', 1_048_576],
    ['gemini-2.0-flash', 1_048_576],
    ['gemini-2.5-pro', 1_048_576],
    ['models/gemini-2.5-flash', 1_048_576],
    ['llama-3.1-8b-instant', 131_072],
    ['meta-llama/Llama-3.3-70B-Instruct', 131_072],
    ['llama3.2:3b', 131_072],
    ['llama3:8b', 8_192],
    ['llama3', 8_192],
  ])('knows the published window of %s', (name, window) => {
    expect(resolveContextWindow(openai(name))).toBe(window);
  });

  it.each(['my-finetune', 'llama-30b', 'mistral-7b', 'gpt-4.5-preview', 'claude-2', 'o3x'])(
    'returns undefined for an unknown model (%s) rather than guessing',
    (name) => {
      expect(
        resolveContextWindow({ provider: 'openai-compatible', name, base_url: 'http://x/v1' }),
      ).toBeUndefined();
    },
  );

  it('has no default window for the built-in model', () => {
    expect(resolveContextWindow({ provider: 'builtin', name: 'recall' })).toBeUndefined();
  });
});
