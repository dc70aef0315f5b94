import { createAnthropic } from '@ai-sdk/anthropic';
import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModelV3 } from '@ai-sdk/provider';
import { MeshError } from '@agent-mesh/shared';
import { defaultSettingsMiddleware, wrapLanguageModel } from 'ai';

import { BuiltinRecallModel } from './builtin/builtin-recall-model.js';
import { createModelFetch } from './create-model-fetch.js';
import type { ModelConfigInput } from './model-config.js';
import { normalizeStreamErrors } from './normalize-stream-errors.js';

/** What `createLanguageModel` reads besides the config; both default to the process's own. */
export interface CreateLanguageModelOptions {
  /** Where API keys are looked up (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** The fetch the provider uses (default the global one); createModelFetch's guards wrap it. */
  fetch?: typeof fetch;
}

/** The variable each hosted provider's key is read from when `api_key_env` is not set. */
const defaultKeyVariables = {
  openai: 'OPENAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
  google: 'GOOGLE_GENERATIVE_AI_API_KEY',
} as const;

/** Used when `base_url` is absent, so only the YAML (not stray *_BASE_URL variables) decides. */
const defaultBaseUrls = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com/v1',
  google: 'https://generativelanguage.googleapis.com/v1beta',
} as const;

const defaultTimeoutMs = 120_000;

/**
 * Builds the AI SDK language model the YAML `model` object describes — builtin, openai (Chat Completions),
 * anthropic, google or openai-compatible — with its key, base URL, headers, timeout and default
 * temperature/max output applied. Fails at start-up with CONFIG_INVALID when a key or base_url is missing.
 */
export function createLanguageModel(
  config: ModelConfigInput,
  options: CreateLanguageModelOptions = {},
): LanguageModelV3 {
  const env = options.env ?? process.env;
  if (config.provider === 'builtin') {
    if (config.name !== 'recall') {
      throw new MeshError(
        'CONFIG_INVALID',
        `Model provider "builtin" has one model, "recall"; model.name is "${config.name}". ` +
          'Set model.name: recall, or choose another provider.',
        { provider: 'builtin', name: config.name },
      );
    }
    return new BuiltinRecallModel({
      contextWindow: config.context_window,
      maxOutputTokens: config.max_output_tokens,
      delayMs: config.delay_ms,
    });
  }

  const modelFetch = createModelFetch(options.fetch ?? globalThis.fetch, {
    timeoutMs: config.timeout_ms ?? defaultTimeoutMs,
    modelName: config.name,
  });
  const headers = config.headers;
  let model: LanguageModelV3;
  let baseUrl: string;
  switch (config.provider) {
    case 'openai': {
      baseUrl = config.base_url ?? defaultBaseUrls.openai;
      const apiKey = requireApiKey(config, env, defaultKeyVariables.openai);
      model = createOpenAI({ apiKey, baseURL: baseUrl, headers, fetch: modelFetch }).chat(
        config.name,
      );
      break;
    }
    case 'anthropic': {
      baseUrl = config.base_url ?? defaultBaseUrls.anthropic;
      const apiKey = requireApiKey(config, env, defaultKeyVariables.anthropic);
      model = createAnthropic({ apiKey, baseURL: baseUrl, headers, fetch: modelFetch })(
        config.name,
      );
      break;
    }
    case 'google': {
      baseUrl = config.base_url ?? defaultBaseUrls.google;
      const apiKey = requireApiKey(config, env, defaultKeyVariables.google);
      model = createGoogleGenerativeAI({ apiKey, baseURL: baseUrl, headers, fetch: modelFetch })(
        config.name,
      );
      break;
    }
    case 'openai-compatible': {
      if (config.base_url === undefined || config.base_url === '') {
        throw new MeshError(
          'CONFIG_INVALID',
          'Model provider "openai-compatible" needs model.base_url, the server\'s API root ' +
            '(for example http://127.0.0.1:11434/v1 for Ollama or http://127.0.0.1:8000/v1 for vLLM).',
          { provider: config.provider },
        );
      }
      baseUrl = config.base_url;
      model = createOpenAICompatible({
        name: 'openai-compatible',
        baseURL: baseUrl,
        apiKey: optionalApiKey(config, env),
        headers,
        fetch: modelFetch,
        includeUsage: true,
      }).chatModel(config.name);
      break;
    }
  }

  return wrapLanguageModel({
    model,
    middleware: [
      normalizeStreamErrors(baseUrl),
      defaultSettingsMiddleware({
        settings: { temperature: config.temperature, maxOutputTokens: config.max_output_tokens },
      }),
    ],
  });
}

/** Reads the key from `api_key`, else the variable `api_key_env` names, else the provider's default. */
function requireApiKey(
  config: ModelConfigInput,
  env: NodeJS.ProcessEnv,
  defaultVariable: string,
): string {
  if (config.api_key !== undefined && config.api_key !== '') return config.api_key;
  const variable = config.api_key_env ?? defaultVariable;
  const value = env[variable];
  if (value !== undefined && value !== '') return value;
  const message =
    config.api_key_env === undefined
      ? `Model provider "${config.provider}" needs an API key. Set ${defaultVariable} or ` +
        'model.api_key_env (the name of the environment variable holding the key), or model.api_key.'
      : `Model provider "${config.provider}" needs an API key, but the environment variable ${variable} ` +
        '(named by model.api_key_env) is not set. Set it, or point model.api_key_env at the variable holding the key.';
  throw new MeshError('CONFIG_INVALID', message, { provider: config.provider, variable });
}

/** An openai-compatible server may need no key (Ollama, a local vLLM); one named explicitly must exist. */
function optionalApiKey(config: ModelConfigInput, env: NodeJS.ProcessEnv): string | undefined {
  if (config.api_key !== undefined && config.api_key !== '') return config.api_key;
  if (config.api_key_env === undefined) return undefined;
  return requireApiKey(config, env, config.api_key_env);
}
