import { useMemo, type MouseEvent, type ReactElement } from 'react';
import { renderMarkdown } from '../markdown/render-markdown.js';

/**
 * Shows agent markdown rendered by `renderMarkdown` (raw HTML escaped, links filtered), and handles the copy
 * buttons of code blocks through one delegated click listener, because the page's CSP forbids inline handlers.
 */
export function MarkdownView({
  text,
  streaming = false,
}: {
  text: string;
  streaming?: boolean;
}): ReactElement {
  const html = useMemo(() => renderMarkdown(text), [text]);
  return (
    <div
      className={`markdown${streaming ? ' markdown--streaming' : ''}`}
      onClick={copyCodeOnClick}
      dangerouslySetInnerHTML={{ __html: html }}
    />
  );
}

function copyCodeOnClick(event: MouseEvent<HTMLDivElement>): void {
  const target = event.target;
  if (!(target instanceof Element)) return;
  const button = target.closest<HTMLButtonElement>('[data-action="copy-code"]');
  const code = button?.closest('.code-block')?.querySelector('code');
  if (button == null || code == null) return;
  void copyText(code.textContent ?? '').then((copied) => {
    button.textContent = copied ? 'Copied' : 'Copy failed';
    window.setTimeout(() => {
      button.textContent = 'Copy';
    }, 1500);
  });
}

/** Copies text to the clipboard; resolves false where the browser does not allow it. */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
