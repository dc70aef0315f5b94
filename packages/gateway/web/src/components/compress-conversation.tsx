import { useState, type ReactElement } from 'react';
import { ConfirmDialog } from './confirm-dialog.js';
import { Icon } from './icons.js';

/**
 * The "Compress conversation" action: a small button that opens a confirmation saying what will happen
 * (which share of the oldest turns the agent summarises, that every message stays visible and a
 * checkpoint card marks the spot), and runs the compression only when confirmed.
 */
export function CompressConversation({
  agent,
  percentage,
  disabled,
  compressing,
  onCompress,
}: {
  agent: string;
  /** The agent's compaction_percentage, when the gateway knows it. */
  percentage: number | undefined;
  disabled: boolean;
  compressing: boolean;
  onCompress: () => void;
}): ReactElement {
  const [confirming, setConfirming] = useState(false);
  const share =
    percentage === undefined ? 'the oldest part' : `the oldest ${Math.round(percentage * 100)}%`;
  return (
    <>
      <button
        type="button"
        className="button button--ghost button--small compress-button"
        aria-label="Compress conversation"
        title="Compress conversation: summarise the oldest turns to free room in the agent's context"
        disabled={disabled || compressing}
        onClick={() => setConfirming(true)}
      >
        {compressing ? (
          <span className="compress-button__spinner" aria-hidden="true" />
        ) : (
          <Icon name="compress" size={14} />
        )}
        <span>{compressing ? 'Compressing…' : 'Compress'}</span>
      </button>
      <ConfirmDialog
        open={confirming}
        title="Compress this conversation?"
        confirmLabel="Compress conversation"
        onCancel={() => setConfirming(false)}
        onConfirm={() => {
          setConfirming(false);
          onCompress();
        }}
      >
        <p>
          {agent} will summarise {share} of the turns it has not summarised yet (at least one, and
          never the most recent) and continue from that summary, which frees room in its context
          window.
        </p>
        <p className="compress-dialog__keep">
          Nothing is deleted: every message stays visible here, and a checkpoint card with the
          summary marks where the agent&apos;s memory is summarised.
        </p>
      </ConfirmDialog>
    </>
  );
}
