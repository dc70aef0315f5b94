import type { LanguageModelV3Prompt, LanguageModelV3ToolResultOutput } from '@ai-sdk/provider';

import type { TranscriptMessage } from './answer-from-transcript.js';

/**
 * Flattens an AI SDK prompt into plain role/text messages, the form the recall logic and the token
 * estimate read; tool calls and results become bracketed text so they still count towards the size.
 */
export function promptToTranscript(prompt: LanguageModelV3Prompt): TranscriptMessage[] {
  return prompt.map((message): TranscriptMessage => {
    switch (message.role) {
      case 'system':
        return { role: 'system', content: message.content };
      case 'user':
        return {
          role: 'user',
          content: message.content
            .map((part) => (part.type === 'text' ? part.text : `[file ${part.mediaType}]`))
            .join('\n'),
        };
      case 'assistant':
        return {
          role: 'assistant',
          content: message.content
            .map((part) => {
              switch (part.type) {
                case 'text':
                case 'reasoning':
                  return part.text;
                case 'file':
                  return `[file ${part.mediaType}]`;
                case 'tool-call':
                  return formatToolCall(part.toolName, JSON.stringify(part.input ?? {}));
                case 'tool-result':
                  return formatToolResult(part.toolName, outputToText(part.output));
              }
            })
            .join('\n'),
        };
      case 'tool':
        return {
          role: 'tool',
          content: message.content
            .map((part) =>
              part.type === 'tool-result'
                ? formatToolResult(part.toolName, outputToText(part.output))
                : `[tool approval ${part.approved ? 'granted' : 'denied'}]`,
            )
            .join('\n'),
        };
    }
  });
}

/** Renders a tool call as text, identically for AI SDK prompts and wire requests. */
export function formatToolCall(name: string, argumentsJson: string): string {
  return `[tool call ${name} ${argumentsJson}]`;
}

/** Renders a tool result as text, identically for AI SDK prompts and wire requests. */
export function formatToolResult(name: string, output: string): string {
  return `[tool result ${name}: ${output}]`;
}

function outputToText(output: LanguageModelV3ToolResultOutput): string {
  switch (output.type) {
    case 'text':
    case 'error-text':
      return output.value;
    case 'json':
    case 'error-json':
      return JSON.stringify(output.value);
    case 'execution-denied':
      return `[denied${output.reason === undefined ? '' : `: ${output.reason}`}]`;
    case 'content':
      return output.value
        .map((part) => (part.type === 'text' ? part.text : `[${part.type}]`))
        .join('\n');
  }
}
