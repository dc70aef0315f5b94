/**
 * The `!include relative/path.yaml` tag. The parser only keeps the path; the loader reads the file, relative
 * to the including file, so nodes of the included file keep their own file, line and column.
 */
import type { ScalarTag } from 'yaml';
import { isNode, visit } from 'yaml';
import type { Document } from 'yaml';

/** The tag name as written in YAML. */
export const includeTagName = '!include';

/** Custom tag for `yaml`'s `customTags`: `!include <path>` parses to a scalar holding the path. */
export const includeTag: ScalarTag = {
  tag: includeTagName,
  resolve: (value: string) => value,
};

/** Tells whether a YAML node carries the `!include` tag. */
export function isIncludeNode(node: unknown): boolean {
  return isNode(node) && node.tag === includeTagName;
}

/** Lists the paths (as written) of every `!include` in a document, wherever it sits. */
export function listIncludePaths(document: Document): string[] {
  const paths: string[] = [];
  visit(document, {
    Node(_key, node) {
      if (isIncludeNode(node) && 'value' in node && typeof node.value === 'string') {
        paths.push(node.value);
      }
    },
  });
  return paths;
}
