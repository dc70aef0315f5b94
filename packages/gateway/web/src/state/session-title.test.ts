import { describe, expect, it } from 'vitest';
import { titleFromMessage } from './session-title.js';

describe('titleFromMessage', () => {
  it('uses the first non-empty line with whitespace collapsed', () => {
    expect(titleFromMessage('\n\n  How do   I\tdeploy?  \nmore detail')).toBe('How do I deploy?');
  });

  it('cuts a long line at a word boundary and adds an ellipsis', () => {
    const title = titleFromMessage(
      'Please summarise the quarterly revenue report for the northern region in three bullet points',
    );
    expect(title).toBe('Please summarise the quarterly revenue report for the…');
    expect(title.length).toBeLessThanOrEqual(60);
  });

  it('cuts a long word that has no space to break at', () => {
    expect(titleFromMessage('x'.repeat(100))).toBe(`${'x'.repeat(59)}…`);
  });

  it('falls back to "New chat" for blank text', () => {
    expect(titleFromMessage('  \n\t ')).toBe('New chat');
  });
});
