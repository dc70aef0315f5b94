import type { ModelConfigInput } from './model-config.js';

/**
 * Context windows (tokens) of well-known models as their vendors publish them, matched against the
 * model name without any `vendor/` prefix. Order matters: the first matching pattern wins.
 */
const knownContextWindows: ReadonlyArray<readonly [RegExp, number]> = [
  [/^gpt-4\.1(?:-mini|-nano)?(?:-\d{4}-\d{2}-\d{2})?$/, 1_047_576],
  [/^gpt-4o(?:-mini)?(?:-.+)?$/, 128_000],
  [/^gpt-4-turbo(?:-.+)?$/, 128_000],
  [/^gpt-4-(?:1106|0125)-preview$/, 128_000],
  [/^gpt-4(?:-0613)?$/, 8_192],
  [/^gpt-3\.5-turbo(?:-0125|-1106)?$/, 16_385],
  [/^gpt-5(?:-mini|-nano)?(?:-\d{4}-\d{2}-\d{2})?$/, 400_000],
  [/^o1-mini(?:-\d{4}-\d{2}-\d{2})?$/, 128_000],
  [/^o1(?:-\d{4}-\d{2}-\d{2})?$/, 200_000],
  [/^o3(?:-mini|-pro)?(?:-\d{4}-\d{2}-\d{2})?$/, 200_000],
  [/^o4-mini(?:-\d{4}-\d{2}-\d{2})?$/, 200_000],
  [/^claude-3[-.](?:5|7)-(?:sonnet|haiku)(?:-.+)?$/, 200_000],
  [/^claude-3-(?:opus|sonnet|haiku)(?:-.+)?$/, 200_000],
  [/^claude-(?:opus|sonnet|haiku)-4(?:[-.].+)?$/, 200_000],
  [/^gemini-1\.5-pro(?:-.+)?$/, 2_097_152],
  [/^gemini-1\.5-flash(?:-.+)?$/, 1_048_576],
  [/^gemini-2\.0-flash(?:-.+)?$/, 1_048_576],
  [/^gemini-2\.5-(?:pro|flash)(?:-.+)?$/, 1_048_576],
  [/^(?:meta-)?llama[-_.]?3[-_.][123](?:[-_.:].+)?$/, 131_072],
  [/^(?:meta-)?llama[-_.]?3(?:[-_:]\D.*|[-_:]\d+b.*)?$/, 8_192],
];

/**
 * Returns the model's context window: `context_window` from the config, else the published window of a
 * well-known model, else undefined (never a guess), so context-usage shows "unknown" rather than a lie.
 */
export function resolveContextWindow(config: ModelConfigInput): number | undefined {
  if (config.context_window !== undefined) return config.context_window;
  if (config.provider === 'builtin') return undefined;
  const name = config.name.trim().toLowerCase();
  const bareName = name.slice(name.lastIndexOf('/') + 1);
  for (const [pattern, window] of knownContextWindows) {
    if (pattern.test(bareName)) return window;
  }
  return undefined;
}
