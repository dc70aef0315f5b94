/**
 * The `model` object of an agent's YAML, as the config contract defines it; a stand-in until
 * `ModelConfig` is exported by @agent-mesh/shared, after which this file re-exports that type.
 */
export interface ModelConfig {
  provider: 'builtin' | 'openai' | 'anthropic' | 'google' | 'openai-compatible';
  name: string;
  base_url?: string;
  api_key_env?: string;
  api_key?: string;
  context_window?: number;
  max_output_tokens?: number;
  temperature?: number;
  delay_ms?: number;
  timeout_ms?: number;
  headers?: Record<string, string>;
}
