/** One message of a conversation as plain text: what the recall logic reads. */
export interface TranscriptMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
}

/**
 * The instruction the compaction code sends to ask any model for a summary; the built-in model
 * recognises it (by its opening words, "Summarize the conversation") and answers with every stated fact.
 */
export const builtinSummaryInstruction =
  'Summarize the conversation so far for your own later use. Keep every fact the user stated ' +
  '(names, preferences, identifiers, numbers, places) as one line each in the form "- key: value", ' +
  'newest value when a fact changed. Reply with the summary only.';

/** The first line of every summary the built-in model writes. */
export const builtinSummaryHeading = 'Summary of earlier conversation:';

/** A line that opens with "Summarize the conversation" (or "Summarise") asks for a summary. */
const summaryRequestPattern = /(?:^|\n)\s*summari[sz]e the conversation\b/i;

/** A fact the user stated: its lookup key, the words the user used for it, and its value. */
interface Fact {
  key: string;
  label: string;
  value: string;
  verb: 'is' | 'are';
  /** `my X is Y` facts belong to the user ("your X"); `the X is Y` facts are general ("the X"). */
  owner: 'user' | 'general';
}

/**
 * Answers the last user message from the transcript alone — facts stated by the user, or kept in a
 * summary, answer questions about them; a summary request gets every fact — so a correct answer proves
 * the prompt carried the memory. Deterministic: the same transcript always gives the same answer.
 */
export function answerFromTranscript(messages: readonly TranscriptMessage[]): string {
  if (isSummaryRequest(messages)) return summarizeFacts(collectFacts(messages));

  let lastUserIndex = -1;
  messages.forEach((message, index) => {
    if (message.role === 'user') lastUserIndex = index;
  });
  const lastUser = messages[lastUserIndex];
  if (lastUser === undefined) return 'I have no message to answer yet.';

  const facts = collectFacts(messages.slice(0, lastUserIndex));
  const replies: string[] = [];
  for (const sentence of splitSentences(lastUser.content)) {
    if (isQuestion(sentence)) {
      replies.push(answerQuestion(sentence, facts));
      continue;
    }
    const stated = parseStatement(sentence);
    if (stated.length > 0) {
      for (const fact of stated) facts.set(fact.key, fact);
      replies.push(`Got it: ${stated.map((fact) => describeFact(fact)).join(', and ')}.`);
    }
  }
  if (replies.length > 0) return replies.join(' ');
  return replyToChatter(lastUser.content);
}

function isSummaryRequest(messages: readonly TranscriptMessage[]): boolean {
  const last = messages.at(-1);
  return (
    messages.some(
      (message) => message.role === 'system' && summaryRequestPattern.test(message.content),
    ) ||
    (last?.role === 'user' && summaryRequestPattern.test(last.content))
  );
}

/** Reads every fact in order, so a later statement replaces an earlier one with the same key. */
function collectFacts(messages: readonly TranscriptMessage[]): Map<string, Fact> {
  const facts = new Map<string, Fact>();
  for (const message of messages) {
    if (message.role === 'tool') continue;
    for (const line of message.content.split(/\r?\n/)) {
      const bullet = parseSummaryBullet(line);
      if (bullet !== undefined) {
        facts.set(bullet.key, bullet);
        continue;
      }
      // An assistant's own sentences are answers, not facts; only bullets it carries (a summary) count.
      if (message.role === 'assistant') continue;
      const text = stripSpeakerPrefix(line);
      if (text === undefined || summaryRequestPattern.test(text)) continue;
      for (const sentence of splitSentences(text)) {
        if (isQuestion(sentence)) continue;
        for (const fact of parseStatement(sentence)) facts.set(fact.key, fact);
      }
    }
  }
  return facts;
}

/** Handles transcripts pasted as text (`user: …`, `assistant: …`): user lines count, others do not. */
function stripSpeakerPrefix(line: string): string | undefined {
  const match = /^\s*(user|human|assistant|ai|model|system)\s*:\s*(.*)$/i.exec(line);
  if (match === null) return line;
  const speaker = match[1]?.toLowerCase();
  return speaker === 'user' || speaker === 'human' ? (match[2] ?? '') : undefined;
}

function splitSentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+|\r?\n+/)
    .map((sentence) => sentence.trim())
    .filter((sentence) => sentence.length > 0);
}

const questionOpening =
  /^(?:what|what's|whats|who|who's|where|where's|which|when|how|do you|did i|did you|can you|could you|tell me|remind me|recall)\b/i;

function isQuestion(sentence: string): boolean {
  return sentence.endsWith('?') || questionOpening.test(sentence);
}

/** Parses `- key: value` lines, the form summaries keep facts in. */
function parseSummaryBullet(line: string): Fact | undefined {
  const match = /^\s*[-*•]\s+([^:\n]{1,60}?)\s*:\s+(.+?)\s*$/.exec(line);
  if (match === null) return undefined;
  const label = match[1] ?? '';
  const value = cleanValue(match[2] ?? '');
  if (value === '') return undefined;
  return makeFact(label, value, guessVerb(label), /^the\s/i.test(label) ? 'general' : 'user');
}

const clauseSplit = /\s*(?:,\s*|;\s*)?\band\s+(?=(?:my|i|call me)\b)/i;

/** Parses the statement forms the model understands; a sentence may hold several joined by "and". */
function parseStatement(sentence: string): Fact[] {
  const facts: Fact[] = [];
  for (const clause of sentence.split(clauseSplit)) {
    const fact = parseClause(clause.replace(/[.!]+$/, '').trim());
    if (fact !== undefined) facts.push(fact);
  }
  return facts;
}

function parseClause(clause: string): Fact | undefined {
  let match = /\b(?:call me|i am called|i'm called)\s+(.+)$/i.exec(clause);
  if (match !== null) return makeFact('name', cleanValue(match[1] ?? ''), 'is', 'user');

  match = /\bi(?: currently)? live in\s+(.+)$/i.exec(clause);
  if (match !== null) return makeFact('home', cleanValue(match[1] ?? ''), 'is', 'user');

  match = /\bi(?: currently)? work (?:at|for)\s+(.+)$/i.exec(clause);
  if (match !== null) return makeFact('workplace', cleanValue(match[1] ?? ''), 'is', 'user');

  match = /\bi(?: am|'m) (\d{1,3}) years? old\b/i.exec(clause);
  if (match !== null) return makeFact('age', match[1] ?? '', 'is', 'user');

  match = /\bmy\s+(.{1,60}?)\s+(is|are)\s+(.+)$/i.exec(clause);
  if (match !== null && wordCount(match[1] ?? '') <= 6) {
    return makeFact(match[1] ?? '', cleanValue(match[3] ?? ''), verbOf(match[2]), 'user');
  }

  match = /^(the\s+.{1,60}?)\s+(is|are)\s+(.+)$/i.exec(clause);
  if (match !== null && wordCount(match[1] ?? '') <= 6) {
    return makeFact(match[1] ?? '', cleanValue(match[3] ?? ''), verbOf(match[2]), 'general');
  }
  return undefined;
}

function makeFact(
  label: string,
  value: string,
  verb: Fact['verb'],
  owner: Fact['owner'],
): Fact | undefined {
  if (value === '') return undefined;
  const cleanLabel = label.trim().replace(/\s+/g, ' ');
  return { key: normalizeKey(cleanLabel), label: cleanLabel, value, verb, owner };
}

/** Keys compare case-insensitively, British and American spelling alike, without a leading "the". */
function normalizeKey(label: string): string {
  return label
    .toLowerCase()
    .replace(/\bfavourite\b/g, 'favorite')
    .replace(/\bcolour\b/g, 'color')
    .replace(/^the\s+/, '')
    .replace(/\s+/g, ' ')
    .trim();
}

function cleanValue(value: string): string {
  return value
    .trim()
    .replace(/[.!?]+$/, '')
    .replace(/\s+(?:now|too|as well)$/i, '')
    .replace(/^["'“](.*)["'”]$/, '$1')
    .trim();
}

function verbOf(word: string | undefined): Fact['verb'] {
  return word?.toLowerCase() === 'are' ? 'are' : 'is';
}

/** A summary bullet has no verb; a plural-looking last word ("foods", not "address") takes "are". */
function guessVerb(label: string): Fact['verb'] {
  const last = label.trim().split(/\s+/).at(-1)?.toLowerCase() ?? '';
  return /s$/.test(last) && !/(?:ss|us|is)$/.test(last) ? 'are' : 'is';
}

function wordCount(text: string): number {
  return text.trim().split(/\s+/).length;
}

/** Words a question may end with that are not part of what it asks about. */
const questionTail = /\s+(?:again|please|now|then)$/i;

function answerQuestion(sentence: string, facts: ReadonlyMap<string, Fact>): string {
  const question = sentence.replace(/[?.!\s]+$/, '').trim();
  const lower = question.toLowerCase();

  if (/\bwhat (?:do|did) you (?:know|remember)\b/.test(lower)) return describeEverything(facts);
  if (/\bwho am i\b/.test(lower)) return answerFor('name', 'your name', facts);
  if (/\bwhere do i live\b/.test(lower)) return answerFor('home', 'where you live', facts);
  if (/\bwhere do i work\b/.test(lower)) return answerFor('workplace', 'where you work', facts);
  if (/\bhow old am i\b/.test(lower)) return answerFor('age', 'your age', facts);

  let match = /\bmy\s+(.+)$/i.exec(question);
  if (match !== null) {
    const label = (match[1] ?? '').replace(questionTail, '').trim();
    return answerFor(normalizeKey(label), `your ${label}`, facts);
  }
  match = /^(?:what|who|where|when)(?:'s|\s+is|\s+are|\s+was|\s+were)\s+(.+)$/i.exec(question);
  if (match !== null) {
    const label = (match[1] ?? '').replace(questionTail, '').trim();
    return answerFor(normalizeKey(label), label, facts);
  }
  return "I don't know the answer to that yet; I only know what you have told me in this conversation.";
}

function answerFor(key: string, unknownPhrase: string, facts: ReadonlyMap<string, Fact>): string {
  const fact = facts.get(key);
  if (fact === undefined) return `I don't know ${unknownPhrase} yet.`;
  return `${capitalize(describeFact(fact))}.`;
}

/** Puts a fact back into words from the user's point of view: "your favorite color is blue". */
function describeFact(fact: Fact): string {
  switch (fact.key) {
    case 'home':
      return `you live in ${fact.value}`;
    case 'workplace':
      return `you work at ${fact.value}`;
    case 'age':
      return `you are ${fact.value} years old`;
    default:
      break;
  }
  const subject = fact.owner === 'user' ? `your ${fact.label}` : decapitalizeArticle(fact.label);
  return `${subject} ${fact.verb} ${fact.value}`;
}

function describeEverything(facts: ReadonlyMap<string, Fact>): string {
  if (facts.size === 0) return "I don't know anything about you yet.";
  return `Here is what I know: ${[...facts.values()].map((fact) => describeFact(fact)).join('; ')}.`;
}

/** Writes the summary as `- key: value` lines, which this model (and people) read back as facts. */
function summarizeFacts(facts: ReadonlyMap<string, Fact>): string {
  if (facts.size === 0) return `${builtinSummaryHeading}\nNo facts were stated.`;
  const lines = [...facts.values()].map((fact) => `- ${fact.label}: ${fact.value}`);
  return [builtinSummaryHeading, ...lines].join('\n');
}

function replyToChatter(text: string): string {
  const trimmed = text.trim().replace(/\s+/g, ' ');
  if (trimmed === '') return 'You sent an empty message.';
  if (/^(?:hi|hello|hey|good (?:morning|afternoon|evening))\b/i.test(trimmed)) {
    return 'Hello! Tell me something to remember, or ask me what I know.';
  }
  const excerpt = trimmed.length > 200 ? `${trimmed.slice(0, 200)}…` : trimmed;
  return `You said: ${excerpt}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function decapitalizeArticle(label: string): string {
  return label.replace(/^The\s/, 'the ');
}
