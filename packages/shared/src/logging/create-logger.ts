import { pino, type Logger, type LoggerOptions } from 'pino';

/** A structured JSON logger (pino); every process creates one and passes it down. */
export type { Logger };

/**
 * Creates the process logger. Level from LOG_LEVEL (default info); `name` tags every line, so the
 * prefixed output of `agent-mesh start` and JSON logs in production both say which process spoke.
 */
export function createLogger(name: string, options: LoggerOptions = {}): Logger {
  return pino({
    name,
    level: process.env.LOG_LEVEL ?? 'info',
    base: { pid: process.pid },
    ...options,
  });
}
