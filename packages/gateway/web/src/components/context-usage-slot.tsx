import type { ReactElement } from 'react';

/**
 * Reserved room under the input for the context-usage bar (tokens used against the model's context
 * window, from GET /sessions/:id/context-usage) and the "Compress conversation" action with its
 * confirmation (POST /sessions/:id/compact). Both come with a later issue; until then this renders an empty
 * placeholder that keeps the footer layout stable.
 */
export function ContextUsageSlot(): ReactElement {
  return <div className="composer__context" data-slot="context-usage" aria-hidden="true" />;
}
