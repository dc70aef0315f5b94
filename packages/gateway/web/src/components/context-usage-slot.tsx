import type { ReactElement, ReactNode } from 'react';

/**
 * The room under the input for the context-usage bar and the "Compress conversation" action: keeps the
 * footer layout stable whether or not they are shown (nothing before a chat is open).
 */
export function ContextUsageSlot({ children }: { children?: ReactNode }): ReactElement {
  return (
    <div className="composer__context" data-slot="context-usage">
      {children}
    </div>
  );
}
