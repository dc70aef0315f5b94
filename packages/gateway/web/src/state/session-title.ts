const maxTitleLength = 60;

/**
 * A session name taken from the first message of a chat: its first non-empty line, whitespace collapsed,
 * cut at a word boundary to at most 60 characters with an ellipsis; "New chat" when nothing is left.
 */
export function titleFromMessage(text: string): string {
  const line = text
    .split('\n')
    .map((part) => part.replace(/\s+/g, ' ').trim())
    .find((part) => part !== '');
  if (line === undefined) return 'New chat';
  if (line.length <= maxTitleLength) return line;
  const cut = line.slice(0, maxTitleLength - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > maxTitleLength / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}
