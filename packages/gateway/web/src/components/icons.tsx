import type { ReactElement, ReactNode } from 'react';

/** Names of the line icons the app draws. */
export type IconName =
  | 'plus'
  | 'pencil'
  | 'trash'
  | 'send'
  | 'arrow-down'
  | 'stop'
  | 'thumb-up'
  | 'thumb-down'
  | 'copy'
  | 'check'
  | 'retry'
  | 'menu'
  | 'close'
  | 'alert'
  | 'info'
  | 'logo'
  | 'chat'
  | 'compress';

const paths: Record<IconName, ReactNode> = {
  plus: <path d="M12 5v14M5 12h14" />,
  pencil: (
    <>
      <path d="M4 20h4L19 9l-4-4L4 16v4z" />
      <path d="M13.5 6.5l4 4" />
    </>
  ),
  trash: (
    <>
      <path d="M4 7h16M9.5 7V4.5h5V7" />
      <path d="M6.5 7l1 12.5h9L17.5 7M10 11v5.5M14 11v5.5" />
    </>
  ),
  send: <path d="M12 19V5M6 11l6-6 6 6" />,
  'arrow-down': <path d="M12 5v14M6 13l6 6 6-6" />,
  stop: <rect x="7" y="7" width="10" height="10" rx="2" fill="currentColor" stroke="none" />,
  'thumb-up': (
    <>
      <path d="M7.5 10.5V20H4.5v-9.5h3z" />
      <path d="M7.5 10.5L11 4c1.6 0 2.6 1.2 2.3 2.8L12.7 10H18a2 2 0 0 1 2 2.4l-1.3 6A2 2 0 0 1 16.7 20H7.5" />
    </>
  ),
  'thumb-down': (
    <g transform="rotate(180 12 12)">
      <path d="M7.5 10.5V20H4.5v-9.5h3z" />
      <path d="M7.5 10.5L11 4c1.6 0 2.6 1.2 2.3 2.8L12.7 10H18a2 2 0 0 1 2 2.4l-1.3 6A2 2 0 0 1 16.7 20H7.5" />
    </g>
  ),
  copy: (
    <>
      <rect x="9" y="9" width="11" height="11" rx="2" />
      <path d="M15 9V6a2 2 0 0 0-2-2H6a2 2 0 0 0-2 2v7a2 2 0 0 0 2 2h3" />
    </>
  ),
  check: <path d="M5 12.5l4.5 4.5L19 7.5" />,
  retry: (
    <>
      <path d="M4.5 12a7.5 7.5 0 1 0 2.2-5.3" />
      <path d="M4.5 4.5v4.2h4.2" />
    </>
  ),
  menu: <path d="M4 7h16M4 12h16M4 17h16" />,
  close: <path d="M6.5 6.5l11 11M17.5 6.5l-11 11" />,
  alert: (
    <>
      <path d="M12 4l9 16H3l9-16z" />
      <path d="M12 10v4.5M12 17.5v.01" />
    </>
  ),
  info: (
    <>
      <circle cx="12" cy="12" r="8.5" />
      <path d="M12 11v5.5M12 8v.01" />
    </>
  ),
  logo: (
    <>
      <circle cx="6" cy="7" r="2.5" />
      <circle cx="18" cy="7" r="2.5" />
      <circle cx="12" cy="17.5" r="2.5" />
      <path d="M8.5 7h7M7.3 9.2l3.5 6M16.7 9.2l-3.5 6" />
    </>
  ),
  chat: (
    <path d="M5 5.5h14a1.5 1.5 0 0 1 1.5 1.5v8.5a1.5 1.5 0 0 1-1.5 1.5H10l-4.5 3.5V17H5a1.5 1.5 0 0 1-1.5-1.5V7A1.5 1.5 0 0 1 5 5.5z" />
  ),
  compress: (
    <>
      <path d="M12 3.5v6M8.5 6.5l3.5 3 3.5-3" />
      <path d="M12 20.5v-6M8.5 17.5l3.5-3 3.5 3" />
      <path d="M4.5 12h15" />
    </>
  ),
};

/** A 24×24 line icon in the current text colour; decorative, so hidden from screen readers. */
export function Icon({ name, size = 18 }: { name: IconName; size?: number }): ReactElement {
  return (
    <svg
      className="icon"
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={1.8}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      {paths[name]}
    </svg>
  );
}
