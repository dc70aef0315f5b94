import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './render-markdown.js';

describe('renderMarkdown', () => {
  it('escapes raw HTML so an injected tag shows as text', () => {
    const html = renderMarkdown('look: <img src=x onerror=alert(1)>');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('<img');
  });

  it('escapes script tags and HTML blocks', () => {
    const html = renderMarkdown('<script>alert(1)</script>\n\n<div onclick="x()">hi</div>');
    expect(html).not.toMatch(/<script|<div onclick/);
    expect(html).toContain('&lt;script&gt;');
  });

  it('refuses javascript:, data: and protocol-relative links', () => {
    for (const target of [
      'javascript:alert(1)',
      'JAVASCRIPT:alert(1)',
      'data:text/html,x',
      '//evil.example',
    ]) {
      const html = renderMarkdown(`[click](${target})`);
      expect(html, target).not.toContain('<a ');
    }
  });

  it('opens http links in a new tab without an opener', () => {
    const html = renderMarkdown('[docs](https://example.com/a?b=1&c=2)');
    expect(html).toContain(
      '<a href="https://example.com/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer nofollow">docs</a>',
    );
  });

  it('turns images into links instead of loading them', () => {
    const html = renderMarkdown('![a chart](https://example.com/c.png)');
    expect(html).not.toContain('<img');
    expect(html).toContain('class="markdown-image-link">a chart</a>');
    expect(renderMarkdown('![x](javascript:alert(1))')).not.toContain('href="javascript');
  });

  it('renders fenced code with an escaped body, a language label and a copy button', () => {
    const html = renderMarkdown('```ts\nconst a = "<b>" && 1;\n```');
    expect(html).toContain('<span class="code-block__language">ts</span>');
    expect(html).toContain('data-action="copy-code"');
    expect(html).toContain(
      '<code class="language-ts">const a = &quot;&lt;b&gt;&quot; &amp;&amp; 1;\n</code>',
    );
  });

  it('does not let a fence info string break out of the class attribute', () => {
    const html = renderMarkdown('```"><img src=x onerror=alert(1)>\ncode\n```');
    expect(html).not.toContain('<img');
    expect(html).toContain('<code>code\n</code>');
  });

  it('renders everyday markdown: emphasis, lists, inline code, tables and line breaks', () => {
    const html = renderMarkdown(
      '**bold** and `code`\nnext line\n\n- one\n- two\n\n| a | b |\n| - | - |\n| 1 | 2 |',
    );
    expect(html).toContain('<strong>bold</strong>');
    expect(html).toContain('<code>code</code><br>');
    expect(html).toContain('<li>one</li>');
    expect(html).toContain('<div class="table-wrap"><table>');
  });

  it('renders an unfinished fence of a streaming reply as code', () => {
    expect(renderMarkdown('Here:\n```js\nlet x')).toContain(
      '<code class="language-js">let x</code>',
    );
  });
});
