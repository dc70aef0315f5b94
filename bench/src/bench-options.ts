import type { DatabaseProvider } from '@agent-mesh/shared';
import type { BenchGroup } from './report/bench-row.js';

/** What a run measures: quick or full, which groups, which session-store databases. */
export interface BenchOptions {
  full: boolean;
  groups: BenchGroup[];
  providers: DatabaseProvider[];
}

const allGroups: BenchGroup[] = [
  'session-store',
  'gateway-turn',
  'startup',
  'compaction',
  'scale',
  'websocket-streams',
];
/** A quick run leaves out the slow groups (they start several processes or seed long sessions). */
const quickGroups: BenchGroup[] = ['session-store', 'gateway-turn', 'startup'];
const allProviders: DatabaseProvider[] = ['sqlite', 'postgresql', 'mysql'];

/** The usage line printed with an argument error. */
export const benchUsage =
  'usage: pnpm bench [--full] [--only session-store,gateway-turn,startup,compaction,scale,websocket-streams] [--providers sqlite,postgresql,mysql]';

/**
 * Parses the bench command line: `--full` (adds 100,000-event sessions, more runs, and the compaction,
 * scale and websocket-streams groups), `--only <groups>` and `--providers <list>` (comma-separated; a quick run measures
 * session-store, gateway-turn and startup); an unknown argument throws with the usage.
 */
export function parseBenchArgs(args: readonly string[]): BenchOptions {
  const options: BenchOptions = { full: false, groups: quickGroups, providers: allProviders };
  let groupsChosen = false;
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] as string;
    const [flag, inline] = arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = (): string => {
      const next = inline ?? args[++index];
      if (next === undefined || next === '')
        throw new Error(`${flag} needs a value.\n${benchUsage}`);
      return next;
    };
    switch (flag) {
      case '--':
        break;
      case '--full':
        options.full = true;
        break;
      case '--only':
        options.groups = pickList(value(), allGroups, '--only');
        groupsChosen = true;
        break;
      case '--providers':
        options.providers = pickList(value(), allProviders, '--providers');
        break;
      default:
        throw new Error(`Unknown argument "${arg}".\n${benchUsage}`);
    }
  }
  if (options.full && !groupsChosen) options.groups = allGroups;
  return options;
}

function pickList<T extends string>(text: string, allowed: readonly T[], flag: string): T[] {
  const names = text.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !allowed.includes(name as T));
  if (unknown.length > 0) {
    throw new Error(
      `${flag} got ${unknown.join(', ')}; choose from ${allowed.join(', ')}.\n${benchUsage}`,
    );
  }
  return allowed.filter((name) => names.includes(name));
}
