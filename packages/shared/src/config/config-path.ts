/** JSON-pointer paths (as ajv reports them) and their dotted display form (`agent.peers[1].url`). */

/** Appends one key or index to a JSON pointer, escaping `~` and `/`. */
export function appendPointer(pointer: string, segment: string | number): string {
  return `${pointer}/${String(segment).replaceAll('~', '~0').replaceAll('/', '~1')}`;
}

/** Splits a JSON pointer into its unescaped segments. */
export function splitPointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** Tells whether `pointer` is `ancestor` or lies beneath it. */
export function isWithinPointer(pointer: string, ancestor: string): boolean {
  return pointer === ancestor || pointer.startsWith(`${ancestor}/`);
}

const plainKey = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Renders a JSON pointer as users read it: `/agent/peers/1/url` → `agent.peers[1].url`. */
export function displayPath(pointer: string): string {
  let output = '';
  for (const segment of splitPointer(pointer)) {
    if (/^(0|[1-9][0-9]*)$/.test(segment)) output += `[${segment}]`;
    else if (plainKey.test(segment)) output += output === '' ? segment : `.${segment}`;
    else output += `[${JSON.stringify(segment)}]`;
  }
  return output;
}
