import { isFailedReply } from '../runner/reply-content.js';
import type { ContentPart, SessionEvent } from '../sessions/session-service.js';
import type { Turn } from './select-turns-to-compact.js';

/**
 * The instruction sent to any model but the built-in one when it summarises turns (the built-in model
 * gets `builtinSummaryInstruction`, which it recognises): what must survive, so that a conversation
 * compacted several times still knows what the user said at the start.
 */
export const generalSummaryInstruction = [
  'You compact a conversation between a user and an AI assistant so that it can go on within a limited',
  'context window: the summary you write replaces the transcript below in every later prompt.',
  'Keep every fact the user stated — names, numbers, dates, identifiers, places, preferences — and every',
  'decision, agreement, open question and unfinished task, and tool results that still matter. When a fact',
  'changed, keep only its newest value. If an earlier summary is given, merge it in: nothing in it may be',
  'lost unless the conversation replaced it. Be concise; use short "- " bullet points; write in the language',
  'of the conversation. Reply with the summary only.',
].join(' ');

/** Introduces the earlier summary in the summarisation request. */
export const previousSummaryHeading = 'Summary of the earlier conversation:';

/** Introduces the transcript in the summarisation request. */
export const transcriptHeading = 'Conversation to summarize:';

/** Longest tool input or output copied into a transcript; a summary needs the gist, not the payload. */
const maxToolTextLength = 2000;

/**
 * Renders turns as a plain transcript, one speaker label per line ("User:", "Assistant:"), so any model —
 * and the built-in one, which reads user lines as facts — can tell who said what. Tool calls and results
 * appear in brackets on assistant lines, a reply delegated to a peer agent says which agent gave it, and
 * events without text (state changes, reply metadata) and failure notices are left out.
 */
export function renderTranscript(turns: readonly Turn[], appName?: string): string {
  const lines: string[] = [];
  for (const turn of turns) {
    for (const event of turn.events) lines.push(...renderEvent(event, appName));
  }
  return lines.join('\n');
}

function renderEvent(event: SessionEvent, appName: string | undefined): string[] {
  const content = event.content;
  if (content === null || event.actions.compaction !== undefined) return [];
  if (content.role === 'system' || isFailedReply(event)) return [];
  const label = content.role === 'user' ? 'User' : 'Assistant';
  const peer =
    content.role === 'assistant' &&
    appName !== undefined &&
    event.author !== appName &&
    event.author !== 'user'
      ? `[from ${event.author}] `
      : '';
  const texts = content.parts.map(renderPart).filter((text) => text.trim() !== '');
  if (texts.length === 0) return [];
  return prefixLines(label, peer + texts.join('\n'));
}

function renderPart(part: ContentPart): string {
  switch (part.type) {
    case 'text':
      return part.text;
    case 'tool-call':
      return `[tool call ${part.toolName} ${clip(safeJson(part.input))}]`;
    case 'tool-result':
      return `[tool result ${part.toolName}${part.isError === true ? ' (error)' : ''}: ${clip(
        typeof part.output === 'string' ? part.output : safeJson(part.output),
      )}]`;
    case 'data':
      return '';
  }
}

/** Puts the speaker on every line, so a multi-line message cannot be mistaken for another speaker's. */
function prefixLines(label: string, text: string): string[] {
  return text
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .map((line) => `${label}: ${line}`);
}

function clip(text: string): string {
  return text.length > maxToolTextLength ? `${text.slice(0, maxToolTextLength)}…` : text;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Builds the user message of a summarisation call: the earlier summary (so it rolls into the new one) and
 * the transcript of the turns being compacted.
 */
export function buildSummaryRequest(previousSummary: string | null, transcript: string): string {
  const parts: string[] = [];
  if (previousSummary !== null && previousSummary.trim() !== '') {
    parts.push(`${previousSummaryHeading}\n${previousSummary.trim()}`);
  }
  parts.push(`${transcriptHeading}\n${transcript}`);
  return parts.join('\n\n');
}

/**
 * Shortens a transcript to about `maxCharacters`, keeping its start and end and saying how much was left
 * out: the last resort when even one turn is too long for the summarising model.
 */
export function clipTranscript(transcript: string, maxCharacters: number): string {
  if (transcript.length <= maxCharacters) return transcript;
  const keep = Math.max(maxCharacters, 200);
  const head = transcript.slice(0, Math.ceil(keep / 2));
  const tail = transcript.slice(transcript.length - Math.floor(keep / 2));
  return `${head}\n[… ${transcript.length - head.length - tail.length} characters left out …]\n${tail}`;
}
