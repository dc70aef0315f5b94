import { MeshError } from '../errors/mesh-error.js';

/** What a prune of old sessions is asked to do. */
export interface PruneOptions {
  /** Sessions whose last activity (`updated_at`) is before this instant are deleted. */
  olderThan: Date;
  /** Sessions deleted per transaction (default 500): each batch holds its locks only briefly. */
  batchSize?: number;
  /** Count what would be deleted, delete nothing. */
  dryRun?: boolean;
  /** Stops between batches (a process shutting down); what was deleted stays deleted. */
  signal?: AbortSignal;
}

/** What a prune deleted (or, in a dry run, would delete). */
export interface PruneResult {
  cutoff: Date;
  dryRun: boolean;
  /** Sessions deleted. */
  sessions: number;
  /** Rows deleted with them, by kind, e.g. `{ tasks: 40, taskEvents: 900, feedback: 2 }`. */
  related: Record<string, number>;
  /** Transactions used (0 for a dry run). */
  batches: number;
}

/** The default number of sessions deleted per transaction. */
export const defaultPruneBatchSize = 500;

/** Checks a prune batch size: a whole number from 1 to 5000, else REQUEST_INVALID. */
export function checkPruneBatchSize(batchSize: number): number {
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 5000) {
    throw new MeshError(
      'REQUEST_INVALID',
      `The batch size must be a whole number from 1 to 5000, got ${batchSize}.`,
      { field: 'batchSize', value: batchSize },
    );
  }
  return batchSize;
}
