import { useId, type ReactElement } from 'react';
import type { ContextUsage } from '../api/api-types.js';
import { describeContextUsage } from '../state/context-usage-view.js';

/**
 * How full the agent's context window is: a thin bar coloured by threshold (below 50 %, to 80 %, above),
 * tokens used against the window and the percentage, and on hover or focus a tooltip with the exact
 * numbers, where they come from and how often the chat was compressed. An unknown window is said as such.
 */
export function ContextUsageBar({ usage }: { usage: ContextUsage }): ReactElement {
  const view = describeContextUsage(usage);
  const tooltipId = useId();
  const known = view.fill !== null && usage.percent !== null;
  return (
    <div
      className={`context-usage context-usage--${view.level}${view.stale ? ' context-usage--stale' : ''}`}
      data-level={view.level}
      data-source={usage.source}
      tabIndex={0}
      aria-describedby={tooltipId}
      {...(known
        ? {
            role: 'meter',
            'aria-label': 'Context window used',
            'aria-valuemin': 0,
            'aria-valuemax': 100,
            'aria-valuenow': Math.min(100, usage.percent ?? 0),
            'aria-valuetext': view.label,
          }
        : { role: 'group', 'aria-label': `Context window: ${view.label}` })}
    >
      <span className={`context-usage__track${known ? '' : ' context-usage__track--unknown'}`}>
        {known && (
          <span
            className="context-usage__fill"
            style={{ transform: `scaleX(${view.fill ?? 0})` }}
          />
        )}
      </span>
      <span className="context-usage__label">{view.label}</span>
      {view.stale && <span className="context-usage__stale">last recorded</span>}
      <span className="context-usage__tooltip" role="tooltip" id={tooltipId}>
        <strong className="context-usage__tooltip-title">
          Context window{view.stale ? ' (last recorded)' : ''}
        </strong>
        {view.details.map((line) => (
          <span key={line} className="context-usage__tooltip-line">
            {line}
          </span>
        ))}
      </span>
    </div>
  );
}
