/**
 * Splits a byte stream into lines and hands each complete line to `onLine`; `flush` emits a last line
 * without newline. Child output is prefixed line by line, never mid-line.
 */
export function createLineSplitter(onLine: (line: string) => void): {
  push(chunk: string): void;
  flush(): void;
} {
  let pending = '';
  return {
    push(chunk) {
      pending += chunk;
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        onLine(pending.slice(0, newline).replace(/\r$/, ''));
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
      }
    },
    flush() {
      if (pending !== '') onLine(pending);
      pending = '';
    },
  };
}

/**
 * Reads the address a child process announces: agent-mesh processes log a JSON line with `url` and a
 * message containing "listening on" once they accept requests.
 */
export function readListeningUrl(line: string): string | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const entry = JSON.parse(line) as { url?: unknown; msg?: unknown };
    return typeof entry.url === 'string' &&
      typeof entry.msg === 'string' &&
      entry.msg.includes('listening on')
      ? entry.url
      : undefined;
  } catch {
    return undefined;
  }
}
