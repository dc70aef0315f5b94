import { streamText } from 'ai';
import { MeshError, isMeshError } from '@agent-mesh/shared';
import type {
  AppendedEvent,
  NewSessionEvent,
  SessionKey,
  TokenUsage,
  TurnContext,
} from '../sessions/session-service.js';
import { BuiltinRecallModel } from '../models/builtin/builtin-recall-model.js';
import { buildPrompt, type TurnPrompt } from './build-prompt.js';
import { describeModelError } from './describe-model-error.js';
import { streamModelDirectly, toModelPrompt } from './direct-model-stream.js';
import {
  createReplyContent,
  createUserContent,
  replyDataOf,
  textOf,
  type ReplyData,
  type ReplyStatus,
} from './reply-content.js';
import { resolveSessionRoute, type SessionRoute } from './resolve-session-route.js';
import type {
  Delegation,
  RunnerOptions,
  TurnRequest,
  TurnResult,
  TurnCompaction,
  TurnSink,
  TurnStopReason,
} from './runner-types.js';
import { sumUsage, toCallUsage, type CallUsage, type TurnUsage } from './turn-usage.js';

/** How many times one turn may call the model when `onModelError` keeps asking to retry (1 + 3). */
export const maxModelAttempts = 4;

/** How far after a re-sent user message the runner looks for the reply it already stored. */
const replayLookahead = 50;

/** Reads a stop reason from an aborted signal: `'interrupted'` for shutdowns, otherwise `'canceled'`. */
export function stopReasonOf(signal: AbortSignal): TurnStopReason {
  return signal.reason === 'interrupted' ? 'interrupted' : 'canceled';
}

/**
 * Checks a user message against limits.max_message_bytes, before anything is stored; a larger one is
 * PAYLOAD_TOO_LARGE with both sizes in the message.
 */
export function checkMessageSize(text: string, maxMessageBytes: number, appName: string): void {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxMessageBytes) {
    throw new MeshError(
      'PAYLOAD_TOO_LARGE',
      `The message is ${bytes} bytes; agent "${appName}" accepts at most ${maxMessageBytes} bytes ` +
        '(limits.max_message_bytes). Send a shorter message or raise the limit.',
      { bytes, maxMessageBytes },
    );
  }
}

interface ModelOutcome {
  text: string;
  calls: CallUsage[];
  stopped?: TurnStopReason;
  error?: MeshError;
}

/**
 * Runs turns of one agent: stores the user message (once per messageId) before calling the model, loads
 * the live window of the session, streams the model's reply to a sink and stores it with its usage. It is
 * a plain module: the A2A executor adapts it to the protocol, and tests call it directly.
 */
export class Runner {
  constructor(private readonly options: RunnerOptions) {}

  /** The agent name this runner stores sessions under. */
  get appName(): string {
    return this.options.appName;
  }

  /** `provider/name` of the agent's model. */
  get modelName(): string {
    return `${this.options.modelLabel.provider}/${this.options.modelLabel.name}`;
  }

  /** Resolves and validates everything a turn needs from its request without storing anything. */
  validate(request: TurnRequest): SessionRoute {
    const { appName, maxMessageBytes, defaultBehavior } = this.options;
    if (typeof request.messageId !== 'string' || request.messageId.trim() === '') {
      throw new MeshError(
        'REQUEST_INVALID',
        'The message has no messageId; every A2A message needs one.',
        {
          field: 'messageId',
        },
      );
    }
    checkMessageSize(request.text, maxMessageBytes, appName);
    if (request.text.trim() === '') {
      throw new MeshError(
        'REQUEST_INVALID',
        'The message has no text; send at least one non-empty text part.',
        {
          field: 'parts',
        },
      );
    }
    return resolveSessionRoute({
      contextId: request.contextId,
      taskId: request.taskId,
      metadata: request.metadata,
      defaultBehavior,
    });
  }

  /**
   * Answers one user message. Throws a MeshError (REQUEST_INVALID, PAYLOAD_TOO_LARGE, or a database
   * error) only when nothing was stored; once the user message is stored every outcome — model failure,
   * cancellation, shutdown — is reported in the result, never thrown.
   */
  async runTurn(request: TurnRequest, sink: TurnSink = {}): Promise<TurnResult> {
    const { sessionService, appName, logger } = this.options;
    const route = this.validate(request);
    const key: SessionKey = { appName, userId: route.userId, sessionId: route.sessionId };
    const signal = request.signal ?? new AbortController().signal;

    const userEvent = await this.appendToSession(key, route, {
      invocationId: request.taskId,
      author: 'user',
      messageId: request.messageId,
      content: createUserContent(request.text),
    });
    sink.onSession?.({
      sessionId: route.sessionId,
      userId: route.userId,
      behavior: route.behavior,
    });
    const base = this.baseResult(route);

    try {
      if (userEvent.deduplicated) {
        const stored = await this.findStoredReply(key, userEvent);
        if (stored !== undefined) {
          logger.info(
            { sessionId: key.sessionId, messageId: request.messageId },
            'message already answered; replaying',
          );
          if (stored.text !== '') sink.onDelta?.(stored.text);
          return {
            ...base,
            status: 'completed',
            text: stored.text,
            usage: stored.usage,
            replayed: true,
          };
        }
      }
      const delegation = this.options.peers
        ? await this.options.peers.match(request.text)
        : undefined;
      if (delegation !== undefined) {
        return await this.runDelegated(request, key, route, delegation, signal, sink, base);
      }
      return await this.runModel(request, key, userEvent, signal, sink, base);
    } catch (error) {
      const meshError = isMeshError(error)
        ? error
        : new MeshError(
            'INTERNAL',
            `The turn failed unexpectedly: ${(error as Error).message}`,
            {},
            { cause: error },
          );
      logger.error({ err: error, sessionId: key.sessionId, taskId: request.taskId }, 'turn failed');
      return { ...base, status: 'failed', text: '', error: meshError.toJSON() };
    } finally {
      if (route.behavior === 'RUN_BASED') {
        await sessionService.deleteSession(key).catch((error: unknown) => {
          logger.warn(
            { err: error, sessionId: key.sessionId },
            'could not delete the run-based session',
          );
        });
      }
    }
  }

  /**
   * Appends the turn's first event, creating the session when it does not exist yet. A session that
   * lives on usually exists, so the append is tried first and the session made only when it is missing
   * (one statement less per turn); a run-based session never exists yet, so it is made first.
   */
  private async appendToSession(
    key: SessionKey,
    route: SessionRoute,
    event: NewSessionEvent,
  ): Promise<AppendedEvent> {
    const { sessionService } = this.options;
    if (route.behavior !== 'RUN_BASED') {
      try {
        return await sessionService.appendEvent(key, event);
      } catch (error) {
        if (!isMeshError(error) || error.code !== 'SESSION_NOT_FOUND') throw error;
      }
    }
    await sessionService.getOrCreateSession(key);
    return sessionService.appendEvent(key, event);
  }

  private baseResult(route: SessionRoute): Omit<TurnResult, 'status' | 'text'> {
    return {
      appName: this.options.appName,
      userId: route.userId,
      sessionId: route.sessionId,
      behavior: route.behavior,
      model: this.modelName,
      contextWindow: this.options.contextWindow ?? null,
      usage: sumUsage([]),
      replayed: false,
    };
  }

  /** Finds a completed reply stored after a user message (same turn, before the next user message). */
  private async findStoredReply(
    key: SessionKey,
    userEvent: AppendedEvent,
  ): Promise<{ text: string; usage: TurnUsage } | undefined> {
    const page = await this.options.sessionService.listEvents(key, {
      afterSeq: userEvent.seq,
      limit: replayLookahead,
    });
    for (const event of page.events) {
      if (event.author === 'user') return undefined;
      if (event.author !== this.options.appName) continue;
      const data = replyDataOf(event);
      if (data?.replyStatus !== 'completed') continue;
      const stored = (event.usage ?? {}) as TokenUsage & { calls?: CallUsage[] };
      return {
        text: textOf(event.content),
        usage: sumUsage(Array.isArray(stored.calls) ? stored.calls : []),
      };
    }
    return undefined;
  }

  private async loadTurn(key: SessionKey, upToSeq: number): Promise<TurnContext> {
    const context = await this.options.sessionService.loadForTurn(key);
    if (context === null) {
      throw new MeshError(
        'SESSION_NOT_FOUND',
        `Session "${key.sessionId}" disappeared during the turn.`,
        {
          sessionId: key.sessionId,
        },
      );
    }
    // A re-sent older message is answered with the conversation as it stood then.
    return { ...context, events: context.events.filter((event) => event.seq <= upToSeq) };
  }

  private async runModel(
    request: TurnRequest,
    key: SessionKey,
    userEvent: AppendedEvent,
    signal: AbortSignal,
    sink: TurnSink,
    base: Omit<TurnResult, 'status' | 'text'>,
  ): Promise<TurnResult> {
    const { hooks, instruction, logger } = this.options;
    const calls: CallUsage[] = [];
    let compaction: TurnCompaction | undefined;
    const onCompacted = (note: TurnCompaction): void => {
      compaction =
        compaction === undefined
          ? { ...note }
          : {
              turnsCompacted: compaction.turnsCompacted + note.turnsCompacted,
              tokensBefore: compaction.tokensBefore,
              tokensAfter: note.tokensAfter,
            };
    };
    const noted = (result: TurnResult): TurnResult =>
      compaction === undefined ? result : { ...result, compaction };
    for (let attempt = 1; ; attempt += 1) {
      if (signal.aborted)
        return noted(await this.finishStopped(request, key, '', calls, stopReasonOf(signal), base));
      let context = await this.loadTurn(key, userEvent.seq);
      const hookInput = { key, context, request, signal };
      if (hooks?.prepareTurn) context = await hooks.prepareTurn(hookInput);
      const prompt = buildPrompt({ instruction, summary: context.summary, events: context.events });
      const outcome = await this.streamModel(prompt, signal, sink);
      calls.push(...outcome.calls);
      if (outcome.stopped !== undefined) {
        return noted(
          await this.finishStopped(request, key, outcome.text, calls, outcome.stopped, base),
        );
      }
      if (outcome.error !== undefined) {
        let error = outcome.error;
        let verdict: 'retry' | 'fail' = 'fail';
        if (hooks?.onModelError) {
          try {
            verdict = await hooks.onModelError({
              ...hookInput,
              context,
              error,
              attempt,
              onCompacted,
            });
          } catch (thrown) {
            if (signal.aborted) {
              return noted(
                await this.finishStopped(request, key, '', calls, stopReasonOf(signal), base),
              );
            }
            error = isMeshError(thrown)
              ? thrown
              : new MeshError(
                  'INTERNAL',
                  `Handling the model error failed: ${(thrown as Error).message}`,
                  {},
                  { cause: thrown },
                );
          }
        }
        if (verdict === 'retry' && attempt < maxModelAttempts) {
          sink.onReset?.();
          continue;
        }
        logger.warn(
          { err: error, sessionId: key.sessionId, taskId: request.taskId },
          'model call failed',
        );
        const usage = sumUsage(calls);
        // A transient provider failure is retried by re-sending the message; a conversation that no
        // longer fits is a verdict the user must find in the history, so it is stored.
        if (error.code === 'CONTEXT_OVERFLOW') {
          await this.storeReply(request, key, error.message, 'failed', usage, {
            error: error.toJSON(),
          });
        }
        return noted({ ...base, status: 'failed', text: '', usage, error: error.toJSON() });
      }
      const usage = sumUsage(calls);
      await this.storeReply(request, key, outcome.text, 'completed', usage);
      return noted({ ...base, status: 'completed', text: outcome.text, usage });
    }
  }

  private async runDelegated(
    request: TurnRequest,
    key: SessionKey,
    route: SessionRoute,
    delegation: Delegation,
    signal: AbortSignal,
    sink: TurnSink,
    base: Omit<TurnResult, 'status' | 'text'>,
  ): Promise<TurnResult> {
    const peers = this.options.peers;
    if (peers === undefined) throw new MeshError('INTERNAL', 'No peer delegate is configured.');
    let text = '';
    const delegated = { ...base, model: `peer:${delegation.peer}`, delegatedTo: delegation.peer };
    try {
      const answer = await peers.call({
        peer: delegation.peer,
        text: delegation.text,
        contextId: request.contextId,
        userId: route.userId,
        messageId: `${request.messageId}:${this.options.appName}`,
        signal,
        onDelta: (delta) => {
          text += delta;
          sink.onDelta?.(delta);
        },
      });
      if (answer.text !== text) {
        // The peer's final text is authoritative (e.g. it replayed a stored reply without streaming).
        sink.onReset?.();
        if (answer.text !== '') sink.onDelta?.(answer.text);
      }
      const usage = answer.usage ?? sumUsage([]);
      await this.storeReply(request, key, answer.text, 'completed', usage, {
        delegatedTo: delegation.peer,
        ...(answer.peerTaskId ? { peerTaskId: answer.peerTaskId } : {}),
      });
      return { ...delegated, status: 'completed', text: answer.text, usage };
    } catch (error) {
      if (signal.aborted) {
        const reason = stopReasonOf(signal);
        await this.storeReply(request, key, text, reason, sumUsage([]), {
          delegatedTo: delegation.peer,
        });
        return { ...delegated, status: reason, text };
      }
      const meshError = isMeshError(error)
        ? error
        : new MeshError(
            'AGENT_UNAVAILABLE',
            `Peer agent "${delegation.peer}" failed: ${(error as Error).message}`,
            { peer: delegation.peer },
            { cause: error },
          );
      this.options.logger.warn({ err: error, peer: delegation.peer }, 'delegation failed');
      return { ...delegated, status: 'failed', text: '', error: meshError.toJSON() };
    }
  }

  private async finishStopped(
    request: TurnRequest,
    key: SessionKey,
    text: string,
    calls: CallUsage[],
    reason: TurnStopReason,
    base: Omit<TurnResult, 'status' | 'text'>,
  ): Promise<TurnResult> {
    const usage = sumUsage(calls);
    await this.storeReply(request, key, text, reason, usage);
    return { ...base, status: reason, text, usage };
  }

  private async storeReply(
    request: TurnRequest,
    key: SessionKey,
    text: string,
    status: ReplyStatus,
    usage: TurnUsage,
    extra: Omit<ReplyData, 'replyStatus'> = {},
  ): Promise<void> {
    const { appName, sessionService } = this.options;
    const storedUsage: TokenUsage = {
      ...usage,
      model: extra.delegatedTo ? `peer:${extra.delegatedTo}` : this.modelName,
    };
    if (this.options.contextWindow !== undefined)
      storedUsage.contextWindow = this.options.contextWindow;
    await sessionService.appendEvent(key, {
      invocationId: request.taskId,
      author: appName,
      content: createReplyContent(text, { replyStatus: status, ...extra }),
      usage: storedUsage,
    });
  }

  private async streamModel(
    prompt: TurnPrompt,
    signal: AbortSignal,
    sink: TurnSink,
  ): Promise<ModelOutcome> {
    const { model, modelLabel, maxRetries } = this.options;
    let text = '';
    const calls: CallUsage[] = [];
    let failure: unknown;
    try {
      // The built-in model is called directly: it needs none of what streamText costs (see there).
      const direct = model instanceof BuiltinRecallModel ? model : undefined;
      const modelPrompt = direct && toModelPrompt(prompt);
      const parts =
        direct && modelPrompt
          ? streamModelDirectly(direct, modelPrompt, signal)
          : streamText({
              model,
              system: prompt.system,
              messages: prompt.messages,
              abortSignal: signal,
              maxRetries: maxRetries ?? 2,
              // Errors arrive as stream parts below; the default handler would print them.
              onError: () => undefined,
            }).fullStream;
      for await (const part of parts) {
        if (part.type === 'text-delta') {
          if (signal.aborted) continue;
          text += part.text;
          sink.onDelta?.(part.text);
        } else if (part.type === 'finish-step') {
          calls.push(toCallUsage(part.usage));
        } else if (part.type === 'error') {
          failure ??= part.error;
        }
      }
    } catch (error) {
      failure ??= error;
    }
    if (signal.aborted) return { text, calls, stopped: stopReasonOf(signal) };
    if (failure !== undefined)
      return { text, calls, error: describeModelError(failure, modelLabel) };
    return { text, calls };
  }
}
