/** Reads and parses one YAML file with positions, reporting every syntax error as a positioned problem. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { Document } from 'yaml';
import { MeshError } from '../errors/mesh-error.js';
import type { ConfigProblem } from './config-file.js';
import { includeTag } from './include-tag.js';

/** A parsed YAML file: the path as shown to users, its absolute path, its text and positions. */
export interface YamlFile {
  /** The path as given or joined from the including file (shown in problems). */
  file: string;
  /** The absolute path (used to detect include cycles and repeated reads). */
  absolutePath: string;
  text: string;
  lineCounter: LineCounter;
  document: Document;
  /** Syntax errors and warnings, positioned; the document is not to be trusted when non-empty. */
  problems: ConfigProblem[];
}

/**
 * Reads `file` and parses it with merge keys and `!include` enabled. Throws CONFIG_NOT_FOUND when the file
 * cannot be read; YAML errors and warnings come back as problems, all of them.
 */
export function readYamlFile(file: string, absolutePath = resolve(file)): YamlFile {
  let text: string;
  try {
    text = readFileSync(absolutePath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EISDIR'
          ? 'is a directory, not a YAML file'
          : `cannot be read (${(error as Error).message})`;
    throw new MeshError(
      'CONFIG_NOT_FOUND',
      `Config file ${file} ${reason}.`,
      { file },
      { cause: error },
    );
  }
  return parseYamlText(text, file, absolutePath);
}

/** Parses YAML text as if read from `file`; used by readYamlFile and by tests. */
export function parseYamlText(text: string, file: string, absolutePath = resolve(file)): YamlFile {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, {
    lineCounter,
    merge: true,
    uniqueKeys: true,
    prettyErrors: false,
    customTags: [includeTag],
  });
  const yaml: YamlFile = { file, absolutePath, text, lineCounter, document, problems: [] };
  let lastOffset: number | undefined;
  for (const error of document.errors) {
    // The parser often reports one mistake twice at the same place; the first message says it.
    if (error.pos[0] === lastOffset) continue;
    lastOffset = error.pos[0];
    yaml.problems.push(yamlProblem(yaml, error.pos[0], `YAML syntax error: ${error.message}`));
  }
  for (const warning of document.warnings) {
    yaml.problems.push(yamlProblem(yaml, warning.pos[0], `YAML problem: ${warning.message}`));
  }
  return yaml;
}

function yamlProblem(yaml: YamlFile, offset: number, message: string): ConfigProblem {
  const { line, col } = yaml.lineCounter.linePos(offset);
  return { file: yaml.file, line, col, path: '', message };
}
