/**
 * Recognises "the prompt does not fit the model's context window" among provider errors, whatever shape
 * they arrive in: an AI SDK `APICallError` (its `message`, raw `responseBody` and parsed `data`), a
 * `RetryError` (its `lastError` and `errors`), an error chunk of a stream (a plain object), nested
 * `cause`s, or a bare string. Only fields that describe the error are read — never the request body, which
 * holds the user's own text and could say anything.
 */

/** Which provider's wording matched: for logs and metrics, not for branching. */
export type OverflowSource =
  | 'openai'
  | 'openai-responses'
  | 'azure-openai'
  | 'openrouter'
  | 'anthropic'
  | 'google'
  | 'vllm'
  | 'ollama'
  | 'litellm'
  | 'llama.cpp'
  | 'mistral';

/** What a context-overflow error said, with the numbers when the provider gave them. */
export interface OverflowInfo {
  source: OverflowSource;
  /** The context window in tokens, as the provider stated it. */
  limit?: number;
  /**
   * Tokens the request needed as the provider counted them: the prompt, plus the reserved output when
   * the provider adds it in (Anthropic's "input length and max_tokens", vLLM's "you requested").
   */
  requested?: number;
  /** The provider's own wording, for logs. */
  message: string;
}

interface Rule {
  source: OverflowSource;
  pattern: RegExp;
  /** Reads limit and requested from the match, when the wording carries them. */
  numbers?: (match: RegExpExecArray) => { limit?: number; requested?: number };
}

// Most specific first: several providers reuse OpenAI's sentence, and the first rule that matches names
// the source. Numbers may be written with thousands separators ("1,048,576").
const n = String.raw`(\d[\d,]*)`;
const rules: readonly Rule[] = [
  {
    source: 'llama.cpp',
    pattern: /exceeds? the available context size|exceed_context_size_error/i,
  },
  {
    source: 'litellm',
    pattern: /ContextWindowExceededError/,
  },
  {
    source: 'openrouter',
    pattern: new RegExp(
      String.raw`endpoint's maximum context length is ${n} tokens\.?\s*However,? you requested (?:about )?${n} tokens`,
      'i',
    ),
    numbers: (match) => ({ limit: toNumber(match[1]), requested: toNumber(match[2]) }),
  },
  {
    // vLLM ≥ 0.10 rejects prompt + max_tokens this way; older vLLM uses OpenAI's sentence below.
    source: 'vllm',
    pattern: new RegExp(
      String.raw`maximum context length is ${n} tokens and your request has ${n} input tokens`,
      'i',
    ),
    numbers: (match) => ({ limit: toNumber(match[1]), requested: toNumber(match[2]) }),
  },
  {
    source: 'vllm',
    pattern: new RegExp(
      String.raw`prompt(?: \(length| length of| \(total length)? ${n}\)? is (?:longer than the maximum model length of|too long to fit into the model \(context length) ${n}`,
      'i',
    ),
    numbers: (match) => ({ requested: toNumber(match[1]), limit: toNumber(match[2]) }),
  },
  {
    source: 'vllm',
    pattern: /is longer than the maximum model length|too long to fit into the model/i,
  },
  {
    source: 'openai',
    pattern: new RegExp(
      String.raw`maximum context length is ${n} tokens\.?,?\s*However,? (?:your messages resulted in|you requested) (?:about )?${n} tokens`,
      'i',
    ),
    numbers: (match) => ({ limit: toNumber(match[1]), requested: toNumber(match[2]) }),
  },
  {
    source: 'openai',
    pattern: new RegExp(String.raw`maximum context length is ${n} tokens`, 'i'),
    numbers: (match) => ({ limit: toNumber(match[1]) }),
  },
  {
    source: 'openai-responses',
    pattern: /exceeds the context window of this model/i,
  },
  {
    source: 'azure-openai',
    pattern: new RegExp(
      String.raw`input tokens exceed the configured limit of ${n} tokens\.?\s*Your messages resulted in ${n} tokens`,
      'i',
    ),
    numbers: (match) => ({ limit: toNumber(match[1]), requested: toNumber(match[2]) }),
  },
  {
    source: 'anthropic',
    pattern: new RegExp(String.raw`prompt is too long: ${n} tokens > ${n} maximum`, 'i'),
    numbers: (match) => ({ requested: toNumber(match[1]), limit: toNumber(match[2]) }),
  },
  {
    source: 'anthropic',
    pattern: new RegExp(
      String.raw`input length and \`?max_tokens\`? exceed context limit:\s*${n}\s*\+\s*${n}\s*>\s*${n}`,
      'i',
    ),
    numbers: (match) => {
      const input = toNumber(match[1]);
      const output = toNumber(match[2]);
      return {
        requested: input === undefined || output === undefined ? undefined : input + output,
        limit: toNumber(match[3]),
      };
    },
  },
  {
    source: 'anthropic',
    pattern: /\bprompt is too long\b|input length and `?max_tokens`? exceed context limit/i,
  },
  {
    source: 'google',
    pattern: new RegExp(
      String.raw`input token count \(${n}\) exceeds the maximum number of tokens allowed \(${n}\)`,
      'i',
    ),
    numbers: (match) => ({ requested: toNumber(match[1]), limit: toNumber(match[2]) }),
  },
  {
    source: 'google',
    pattern: new RegExp(
      String.raw`input token count exceeds the maximum number of tokens allowed(?: \(${n}\))?`,
      'i',
    ),
    numbers: (match) => ({ limit: toNumber(match[1]) }),
  },
  {
    source: 'mistral',
    pattern: new RegExp(
      String.raw`prompt contains ${n} tokens.{0,80}?too large for model with ${n} maximum context length`,
      'i',
    ),
    numbers: (match) => ({ requested: toNumber(match[1]), limit: toNumber(match[2]) }),
  },
  {
    // llama-cpp-python's server, also OpenAI-compatible.
    source: 'llama.cpp',
    pattern: new RegExp(String.raw`requested tokens \(${n}\) exceed context window of ${n}`, 'i'),
    numbers: (match) => ({ requested: toNumber(match[1]), limit: toNumber(match[2]) }),
  },
  {
    source: 'ollama',
    pattern:
      /input length exceeds (?:the )?(?:maximum )?context length|\bcontext length exceeded\b|prompt exceeds (?:the )?context length/i,
  },
  {
    // The code OpenAI puts in error.code, quoted inside a message that wraps the original body.
    source: 'openai',
    pattern: /\bcontext_length_exceeded\b/,
  },
];

/** The fields that can describe an error; `requestBodyValues` and the like are deliberately absent. */
const errorFields = [
  'message',
  'responseBody',
  'data',
  'error',
  'errors',
  'lastError',
  'cause',
  'body',
  'response',
  'detail',
  'details',
] as const;

const maxDepth = 8;
/** Enough for any provider error; a longer text is cut rather than scanned in full. */
const maxTextLength = 64 * 1024;

interface Collected {
  texts: string[];
  objects: Record<string, unknown>[];
  statusCodes: number[];
}

/**
 * Tells whether an error means the prompt overflowed the model's context window and, if so, what the
 * provider said (with limit and requested tokens when given); null for any other error — an invalid
 * API key, a bad parameter, a rate limit (429) or a content filter are not overflows.
 */
export function isContextOverflowError(error: unknown): OverflowInfo | null {
  const collected: Collected = { texts: [], objects: [], statusCodes: [] };
  collect(error, 0, new Set<unknown>(), collected);

  // Authentication and rate limits can quote token counts ("Limit 30000, Requested 50000") but
  // compacting never helps them.
  const status = collected.statusCodes[0];
  if (status === 401 || status === 403 || status === 429) return null;

  const structured = detectStructured(collected.objects);
  for (const rule of rules) {
    for (const text of collected.texts) {
      const match = rule.pattern.exec(text);
      if (match === null) continue;
      const numbers = { ...structured?.numbers, ...definedOnly(rule.numbers?.(match) ?? {}) };
      const message = matchingMessage(collected, rule.pattern) ?? shorten(text);
      const source = structured?.source ?? refineSource(rule.source, collected);
      return withNumbers({ source, message }, numbers, collected);
    }
  }
  if (structured !== undefined) {
    return withNumbers(
      { source: structured.source, message: structured.message },
      structured.numbers,
      collected,
    );
  }
  return null;
}

function withNumbers(
  base: Pick<OverflowInfo, 'source' | 'message'>,
  numbers: { limit?: number; requested?: number },
  collected: Collected,
): OverflowInfo {
  const info: OverflowInfo = { ...base };
  // A rule without numbers may still sit next to a wording that has them (a wrapped message).
  const fallback = numbers.limit === undefined ? numbersFromAnyRule(collected.texts) : {};
  const limit = numbers.limit ?? fallback.limit;
  const requested = numbers.requested ?? fallback.requested;
  if (limit !== undefined) info.limit = limit;
  if (requested !== undefined) info.requested = requested;
  return info;
}

function numbersFromAnyRule(texts: readonly string[]): { limit?: number; requested?: number } {
  for (const rule of rules) {
    if (rule.numbers === undefined) continue;
    for (const text of texts) {
      const match = rule.pattern.exec(text);
      if (match !== null) return definedOnly(rule.numbers(match));
    }
  }
  return {};
}

interface StructuredMatch {
  source: OverflowSource;
  message: string;
  numbers: { limit?: number; requested?: number };
}

/** Codes and types some providers set beside the message: these decide even when the wording is new. */
function detectStructured(
  objects: readonly Record<string, unknown>[],
): StructuredMatch | undefined {
  for (const object of objects) {
    const message = typeof object.message === 'string' ? object.message : 'context window exceeded';
    if (object.type === 'exceed_context_size_error') {
      const numbers: { limit?: number; requested?: number } = {};
      const limit = toNumber(object.n_ctx);
      const requested = toNumber(object.n_prompt_tokens);
      if (limit !== undefined) numbers.limit = limit;
      if (requested !== undefined) numbers.requested = requested;
      return { source: 'llama.cpp', message, numbers };
    }
    if (object.code === 'context_length_exceeded') {
      const source: OverflowSource = /context window of this model/i.test(message)
        ? 'openai-responses'
        : 'openai';
      return { source, message, numbers: {} };
    }
    for (const field of ['type', 'name', 'code'] as const) {
      const value = object[field];
      if (typeof value === 'string' && /ContextWindowExceeded/i.test(value)) {
        return { source: 'litellm', message, numbers: {} };
      }
    }
  }
  return undefined;
}

function collect(value: unknown, depth: number, seen: Set<unknown>, into: Collected): void {
  if (value === null || value === undefined || depth > maxDepth) return;
  if (typeof value === 'string') {
    collectText(value, depth, seen, into);
    return;
  }
  if (typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (Array.isArray(value)) {
    for (const item of value.slice(0, 20)) collect(item, depth + 1, seen, into);
    return;
  }
  const record = value as Record<string, unknown>;
  into.objects.push(record);
  for (const field of ['statusCode', 'status'] as const) {
    const status = record[field];
    if (typeof status === 'number' && Number.isInteger(status)) into.statusCodes.push(status);
  }
  for (const field of errorFields) {
    if (field in record) collect(record[field], depth + 1, seen, into);
  }
}

/** Keeps the text and, when it is or contains JSON (a raw body, a wrapped message), what that JSON holds. */
function collectText(text: string, depth: number, seen: Set<unknown>, into: Collected): void {
  const bounded = text.length > maxTextLength ? text.slice(0, maxTextLength) : text;
  if (bounded.trim() === '' || seen.has(bounded)) return;
  seen.add(bounded);
  into.texts.push(bounded);
  const start = bounded.search(/[[{]/);
  if (start === -1) return;
  const end = Math.max(bounded.lastIndexOf('}'), bounded.lastIndexOf(']'));
  if (end <= start) return;
  const parsed = parseJson(bounded.slice(start, end + 1));
  if (parsed !== undefined) collect(parsed, depth + 1, seen, into);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The outermost `message` field that carries the matched wording: readable, unlike a raw body. */
function matchingMessage(collected: Collected, pattern: RegExp): string | undefined {
  for (const object of collected.objects) {
    if (typeof object.message === 'string' && pattern.test(object.message)) return object.message;
  }
  return undefined;
}

function shorten(text: string): string {
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

/** vLLM answers in OpenAI's words but marks its error bodies with `"object": "error"`. */
function refineSource(source: OverflowSource, collected: Collected): OverflowSource {
  if (source === 'openai' && collected.objects.some((object) => object.object === 'error'))
    return 'vllm';
  return source;
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const parsed = Number(value.replace(/,/g, ''));
  return Number.isFinite(parsed) ? parsed : undefined;
}

function definedOnly(numbers: { limit?: number | undefined; requested?: number | undefined }): {
  limit?: number;
  requested?: number;
} {
  const result: { limit?: number; requested?: number } = {};
  if (numbers.limit !== undefined) result.limit = numbers.limit;
  if (numbers.requested !== undefined) result.requested = numbers.requested;
  return result;
}
