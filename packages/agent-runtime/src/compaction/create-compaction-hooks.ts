import { MeshError } from '@agent-mesh/shared';
import type { ModelErrorHookInput, RunnerHooks } from '../runner/runner-types.js';
import { createOverflowHandler, type OverflowHandlerOptions } from './create-overflow-handler.js';
import { isContextOverflowError } from './is-context-overflow-error.js';

/** What createCompactionHooks needs: the overflow handler's settings and whether it is switched on. */
export interface CompactionHooksOptions extends OverflowHandlerOptions {
  /** `auto_summarization.enabled`. */
  enabled: boolean;
  /** The agent name, for the message when automatic compaction is off. */
  appName: string;
}

/**
 * Builds the runner hooks of an agent's `auto_summarization` section: when enabled, a context overflow
 * compacts the session and retries the turn (createOverflowHandler); when disabled, it fails the turn with
 * CONTEXT_OVERFLOW saying that automatic compaction is off and what to do, instead of a raw provider error.
 */
export function createCompactionHooks(options: CompactionHooksOptions): RunnerHooks {
  if (options.enabled) {
    const handler = createOverflowHandler(options);
    return { onModelError: (input: ModelErrorHookInput) => handler(input) };
  }
  return {
    onModelError: (input: ModelErrorHookInput) => {
      const overflow = isContextOverflowError(input.error);
      if (overflow === null) return 'fail';
      const limit = overflow.limit ?? options.contextWindow;
      const window = limit === undefined ? '' : ` of ${limit} tokens`;
      const size = overflow.requested === undefined ? '' : ` (about ${overflow.requested} tokens)`;
      throw new MeshError(
        'CONTEXT_OVERFLOW',
        `The conversation${size} no longer fits the model's context window${window}, and automatic ` +
          `compaction is off for agent "${options.appName}" (auto_summarization.enabled: false). Compress ` +
          'the conversation, start a new one, or set auto_summarization.enabled: true.',
        {
          source: overflow.source,
          autoSummarization: false,
          ...(limit === undefined ? {} : { limit }),
          ...(overflow.requested === undefined ? {} : { requested: overflow.requested }),
        },
      );
    },
  };
}
