import type { LanguageModelUsage } from 'ai';

/** Token counts of one model call, as the provider reported them (absent when it reported none). */
export interface CallUsage {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
}

/** Token usage of a turn: every model call in order, and their sum. */
export interface TurnUsage extends CallUsage {
  calls: CallUsage[];
}

/** Converts the AI SDK's usage of one call into ours, dropping what the provider left undefined. */
export function toCallUsage(
  usage:
    Pick<Partial<LanguageModelUsage>, 'inputTokens' | 'outputTokens' | 'totalTokens'> | undefined,
): CallUsage {
  const result: CallUsage = {};
  if (usage === undefined) return result;
  if (typeof usage.inputTokens === 'number') result.inputTokens = usage.inputTokens;
  if (typeof usage.outputTokens === 'number') result.outputTokens = usage.outputTokens;
  const total =
    typeof usage.totalTokens === 'number'
      ? usage.totalTokens
      : result.inputTokens !== undefined || result.outputTokens !== undefined
        ? (result.inputTokens ?? 0) + (result.outputTokens ?? 0)
        : undefined;
  if (total !== undefined) result.totalTokens = total;
  return result;
}

/** Sums calls into a TurnUsage; a count stays absent only when no call reported it. */
export function sumUsage(calls: readonly CallUsage[]): TurnUsage {
  const usage: TurnUsage = { calls: calls.map((call) => ({ ...call })) };
  for (const key of ['inputTokens', 'outputTokens', 'totalTokens'] as const) {
    const reported = calls
      .map((call) => call[key])
      .filter((value): value is number => value !== undefined);
    if (reported.length > 0) usage[key] = reported.reduce((sum, value) => sum + value, 0);
  }
  return usage;
}
