import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../logging/create-logger.js';

/** How often the background thread copies the WAL back into the database file. */
export const sqliteCheckpointIntervalMs = 100;

/**
 * The WAL size (pages) at which a writer checkpoints by itself after all: only reached when the
 * background thread cannot keep up or has stopped, so the WAL stays bounded (about 40 MB).
 */
export const sqliteFallbackAutocheckpointPages = 10_000;

/** A thread that checkpoints one SQLite file's WAL, off the event loop. */
export interface SqliteCheckpointer {
  /** Stops the thread and closes its connection. */
  stop(): Promise<void>;
}

// Runs in the worker: its own connection, PASSIVE checkpoints (they never wait for or block writers).
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driverPath);
const db = new Database(workerData.path, { timeout: workerData.busyTimeoutMs });
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
let reported = false;
const timer = setInterval(() => {
  try {
    checkpoint.get();
    reported = false;
  } catch (error) {
    if (!reported) parentPort.postMessage({ error: String(error && error.message) });
    reported = true;
  }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * Starts a worker thread that checkpoints the WAL of the SQLite file at `path` every
 * `sqliteCheckpointIntervalMs`. SQLite's own automatic checkpoint runs inside the commit that crosses
 * its threshold, so every few hundred appends one of them waited for the copy and its fsync (0.5–50 ms
 * on this machine); with this thread the writer's connection checkpoints only as a fallback
 * (`PRAGMA wal_autocheckpoint = sqliteFallbackAutocheckpointPages`, set by the caller). The thread does
 * not keep the process alive.
 */
export function startSqliteCheckpointer(
  path: string,
  options: { busyTimeoutMs: number; logger?: Logger },
): SqliteCheckpointer {
  const worker = new Worker(workerSource, {
    eval: true,
    workerData: {
      path,
      driverPath: createRequire(import.meta.url).resolve('better-sqlite3'),
      busyTimeoutMs: options.busyTimeoutMs,
      intervalMs: sqliteCheckpointIntervalMs,
    },
  });
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('message', (message: { error?: string }) => {
    options.logger?.warn(
      { path, error: message.error },
      'SQLite background checkpoint failed; commits checkpoint by themselves meanwhile',
    );
  });
  worker.on('error', (error) => {
    options.logger?.warn(
      { err: error, path },
      'SQLite checkpoint thread stopped; commits checkpoint by themselves from now on',
    );
  });
  let stopping: Promise<void> | undefined;
  return {
    stop: () => {
      stopping ??= (async () => {
        // Referenced again while it stops: an unreferenced worker is not waited for, and a process
        // with nothing else to do would exit in the middle of this await.
        worker.ref();
        worker.postMessage('stop');
        const timeout = setTimeout(() => void worker.terminate(), 2_000);
        timeout.unref();
        await exited;
        clearTimeout(timeout);
      })();
      return stopping;
    },
  };
}
