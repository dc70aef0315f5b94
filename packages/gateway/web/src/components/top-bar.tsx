import type { ReactElement, ReactNode } from 'react';
import { Icon } from './icons.js';

/** The bar above the main column: the menu button (narrow screens), a title and chips about the chat. */
export function TopBar({
  title,
  children,
  onOpenSidebar,
}: {
  title: string;
  children?: ReactNode;
  onOpenSidebar: () => void;
}): ReactElement {
  return (
    <header className="top-bar">
      <button
        type="button"
        className="icon-button top-bar__menu"
        aria-label="Open chat list"
        onClick={onOpenSidebar}
      >
        <Icon name="menu" />
      </button>
      <h1 className="top-bar__title" title={title}>
        {title}
      </h1>
      <div className="top-bar__chips">{children}</div>
    </header>
  );
}
