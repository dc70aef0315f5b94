/** The result of loading one config file: which kind it is, where it came from, and its typed section. */
import type { AgentConfig } from './agent-config.js';
import type { GatewayConfig } from './gateway-config.js';

/** The two kinds of top-level config file. */
export type ConfigKind = 'gateway' | 'agent';

/** A loaded and validated config file, narrowed on `kind`. */
export type LoadedConfigFile =
  | { kind: 'gateway'; file: string; config: GatewayConfig }
  | { kind: 'agent'; file: string; config: AgentConfig };

/** One thing wrong with a config file, positioned for `file:line:col path message` output. */
export interface ConfigProblem {
  /** The file the problem is in (an included file when the problem is inside it), as given or resolved. */
  file: string;
  /** 1-based line; 0 when unknown. */
  line: number;
  /** 1-based column; 0 when unknown. */
  col: number;
  /** Dotted path of the offending value, e.g. `agent.peers[1].url`; empty for file-level problems. */
  path: string;
  message: string;
}
