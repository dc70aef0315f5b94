/**
 * Points start-up errors about a config value — a port already in use, an address that cannot be
 * bound — at the value in the YAML file, in the same `file:line:col path message` form as validation.
 */
import { isMeshError, MeshError } from '../errors/mesh-error.js';
import { appendPointer } from './config-path.js';
import { formatProblem } from './format-problems.js';
import { inspectConfigFile, type LoadConfigOptions } from './load-config.js';
import { locatePointer } from './locate-node.js';

/**
 * Returns a MeshError whose details name `configPath` (a dotted path such as `agent.port`) and `problem`
 * (what is wrong with it, worded to follow the path) as CONFIG_INVALID with the message
 * `file:line:col agent.port <problem>`, located by reading the file again. Any other error, or one whose
 * value cannot be found in the file, is returned unchanged.
 */
export function locateStartupError(
  error: unknown,
  file: string,
  options: LoadConfigOptions = {},
): unknown {
  if (!isMeshError(error)) return error;
  const { configPath, problem } = error.details;
  if (typeof configPath !== 'string' || typeof problem !== 'string') return error;
  let location: ReturnType<typeof locatePointer>;
  try {
    const inspection = inspectConfigFile(file, options);
    const pointer = configPath.split('.').reduce(appendPointer, '');
    location = locatePointer(inspection.sourceMap, pointer, 'value');
  } catch {
    return error;
  }
  if (location === undefined) return error;
  const located = { ...location, path: configPath, message: problem };
  return new MeshError(
    'CONFIG_INVALID',
    formatProblem(located),
    { ...error.details, file, problems: [located] },
    { cause: error },
  );
}
