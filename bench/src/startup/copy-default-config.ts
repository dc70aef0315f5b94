import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findFreePort } from '../processes/find-free-port.js';

/** A copy of the default config folder, moved to free ports, with the environment it must run under. */
export interface CopiedConfig {
  folder: string;
  gatewayUrl: string;
  agentUrls: string[];
  /** process.env without the variables the YAML reads (so every `${VAR, default}` takes its default). */
  env: NodeJS.ProcessEnv;
}

function yamlFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

/**
 * Copies the repository's `config/` into `target` and moves every port it uses (the gateway's `${PORT, …}`
 * default and each agent's `port:`, wherever else they appear) to free ones, so the copy starts beside
 * anything else running on this machine. Nothing else changes: built-in model, SQLite under ./data.
 */
export async function copyDefaultConfig(source: string, target: string): Promise<CopiedConfig> {
  cpSync(source, target, { recursive: true });
  const files = yamlFiles(target).filter((file) => !file.includes(`${join(target, 'examples')}`));
  const texts = new Map(files.map((file) => [file, readFileSync(file, 'utf8')]));
  const ports = new Set<number>();
  const variables = new Set<string>();
  for (const text of texts.values()) {
    for (const match of text.matchAll(/^\s*port:\s*(?:\$\{\s*\w+\s*,\s*)?(\d+)\}?\s*$/gm))
      ports.add(Number(match[1]));
    for (const match of text.matchAll(/\$\{\s*(\w+)/g)) variables.add(match[1] as string);
  }
  const moved = new Map<number, number>();
  for (const port of ports) moved.set(port, await findFreePort());
  for (const [file, text] of texts) {
    let changed = text;
    for (const [from, to] of moved) {
      changed = changed.replace(
        new RegExp(`(port:\\s*(?:\\$\\{\\s*\\w+\\s*,\\s*)?)${from}\\b`, 'g'),
        `$1${to}`,
      );
      changed = changed.replace(
        new RegExp(`(127\\.0\\.0\\.1|localhost):${from}\\b`, 'g'),
        `$1:${to}`,
      );
    }
    if (changed !== text) writeFileSync(file, changed);
  }
  const urlOf = (file: string): string | undefined => {
    const match = /^\s*port:\s*(?:\$\{\s*\w+\s*,\s*)?(\d+)/m.exec(readFileSync(file, 'utf8'));
    return match === null ? undefined : `http://127.0.0.1:${match[1]}`;
  };
  let gatewayUrl: string | undefined;
  const agentUrls: string[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const url = urlOf(file);
    if (url === undefined) continue;
    if (/^gateway:/m.test(text)) gatewayUrl = url;
    else if (/^agent:/m.test(text)) agentUrls.push(url);
  }
  if (gatewayUrl === undefined)
    throw new Error(`No gateway YAML with a port found under ${target}.`);
  const env = { ...process.env };
  for (const name of variables) delete env[name];
  return { folder: target, gatewayUrl, agentUrls, env };
}
