import type { ReactElement, ReactNode } from 'react';
import { Icon, type IconName } from './icons.js';

/** A centred icon, title and explanation for screens with nothing to show yet, with an optional action. */
export function EmptyState({
  icon,
  title,
  children,
  action,
}: {
  icon: IconName;
  title: string;
  children?: ReactNode;
  action?: ReactNode;
}): ReactElement {
  return (
    <div className="empty-state">
      <span className="empty-state__icon">
        <Icon name={icon} size={26} />
      </span>
      <h2 className="empty-state__title">{title}</h2>
      {children !== undefined && <div className="empty-state__text">{children}</div>}
      {action}
    </div>
  );
}
