/**
 * The model layer: turns the YAML `model` object into an AI SDK `LanguageModelV3`, knows the context
 * windows of well-known models, and ships the deterministic offline `builtin/recall` model.
 */
export { createLanguageModel } from './create-language-model.js';
export type { CreateLanguageModelOptions } from './create-language-model.js';
export { resolveContextWindow } from './resolve-context-window.js';
export {
  estimateTokens,
  estimateTranscriptTokens,
  estimatePromptTokens,
} from './estimate-tokens.js';
export { findApiCallError } from './find-api-call-error.js';
export { BuiltinRecallModel } from './builtin/builtin-recall-model.js';
export type { BuiltinRecallModelOptions } from './builtin/builtin-recall-model.js';
export {
  answerFromTranscript,
  builtinSummaryInstruction,
  builtinSummaryHeading,
} from './builtin/answer-from-transcript.js';
export type { TranscriptMessage } from './builtin/answer-from-transcript.js';
export { promptToTranscript } from './builtin/prompt-to-transcript.js';
export {
  createContextLengthExceededBody,
  createContextLengthExceededError,
} from './builtin/context-length-exceeded.js';
export type { ContextLengthExceeded } from './builtin/context-length-exceeded.js';
export type { ModelConfig, ModelConfigInput } from './model-config.js';
