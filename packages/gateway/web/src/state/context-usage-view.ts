import type { ContextUsage } from '../api/api-types.js';

/** How full the context is: below 50 %, up to 80 %, above, or not measurable. */
export type ContextUsageLevel = 'low' | 'medium' | 'high' | 'unknown';

/** What the context-usage bar shows for a ContextUsage. */
export interface ContextUsageView {
  level: ContextUsageLevel;
  /** Share of the bar to fill, 0–1; null when the window or the tokens are unknown. */
  fill: number | null;
  /** The short text beside the bar. */
  label: string;
  /** The lines of the tooltip: exact numbers, where they come from, compactions. */
  details: string[];
  /** True when the figures are the gateway's last recorded ones (the agent did not answer). */
  stale: boolean;
}

/** Percentages at which the bar turns amber and red. */
export const contextUsageThresholds = { medium: 50, high: 80 } as const;

const numberFormat = new Intl.NumberFormat('en');

/** Formats a token count with thousands separators, e.g. 12,345. */
export function formatTokens(value: number): string {
  return numberFormat.format(Math.round(value));
}

/** A percentage for the label: whole numbers, "<1%" for a sliver. */
function formatPercent(percent: number): string {
  if (percent > 0 && percent < 1) return '<1%';
  return `${Math.round(percent)}%`;
}

/**
 * Turns a context-usage answer into what the bar shows. An unknown window is said as such (never a
 * guessed percentage), an estimate is marked with "≈", and figures the gateway recorded while the
 * agent was unreachable are flagged.
 */
export function describeContextUsage(usage: ContextUsage): ContextUsageView {
  const stale = usage.source === 'gateway';
  const details: string[] = [];
  const approx = usage.estimated ? '≈' : '';
  let level: ContextUsageLevel = 'unknown';
  let fill: number | null = null;
  let label: string;

  if (usage.inputTokens === null) {
    label = 'No context yet';
    details.push(usage.message ?? 'The agent has not answered in this chat yet.');
  } else if (usage.contextWindow === null || usage.percent === null) {
    label = `${approx}${formatTokens(usage.inputTokens)} tokens · window unknown`;
    details.push(
      `${formatTokens(usage.inputTokens)} tokens in the agent's context. The model's context window is unknown: set model.context_window in the agent's YAML to see how full it is.`,
    );
  } else {
    const percent = usage.percent;
    level =
      percent >= contextUsageThresholds.high
        ? 'high'
        : percent >= contextUsageThresholds.medium
          ? 'medium'
          : 'low';
    fill = Math.min(1, Math.max(0, percent / 100));
    label = `${approx}${formatTokens(usage.inputTokens)} / ${formatTokens(usage.contextWindow)} · ${formatPercent(percent)}`;
    details.push(
      `${formatTokens(usage.inputTokens)} of ${formatTokens(usage.contextWindow)} tokens used (${percent}%).`,
    );
  }
  if (usage.inputTokens !== null) {
    details.push(
      usage.estimated
        ? 'Estimated: the conversation changed since the agent last called its model (compressed, or a peer answered).'
        : "Input tokens of the agent's last model call, as the provider reported them.",
    );
  }
  const last = usage.lastCompaction;
  if (usage.compactions === 0) {
    details.push('Not compressed yet.');
  } else {
    const times = usage.compactions === 1 ? 'once' : `${usage.compactions} times`;
    details.push(
      last === undefined
        ? `Compressed ${times}.`
        : `Compressed ${times}; last: ${last.turnsCompacted} turn${last.turnsCompacted === 1 ? '' : 's'} summarised (${last.reason === 'manual' ? 'on request' : 'context full'}).`,
    );
  }
  if (usage.model !== undefined) details.push(`Model: ${usage.model}`);
  if (stale) {
    details.push(
      `${usage.agent} did not answer: these are the last figures the gateway recorded for this chat.`,
    );
  }
  return { level, fill, label, details, stale };
}
