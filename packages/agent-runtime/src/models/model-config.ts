import type { ModelConfig } from '@agent-mesh/shared';

export type { ModelConfig };

/**
 * A `ModelConfig` whose loader-defaulted keys (`delay_ms`, `timeout_ms`) may be left out, so code and
 * tests that build a model without the YAML loader need not repeat the defaults.
 */
export type ModelConfigInput = Omit<ModelConfig, 'delay_ms' | 'timeout_ms'> &
  Partial<Pick<ModelConfig, 'delay_ms' | 'timeout_ms'>>;
