import MarkdownIt, { type MarkdownIt as MarkdownRenderer } from 'markdown-it';

const allowedLink = /^(https?:|mailto:|#|\/(?!\/))/i;
const safeLanguage = /^[\w#+.-]{1,32}$/;

/**
 * Renders chat markdown to HTML that is safe to put into the page: raw HTML in the source is escaped
 * (`html: false`), links may only point to http(s), mailto, anchors and same-origin paths and open in a new
 * tab without an opener, images become links (no tracking pixels, no external loads), and code blocks get a
 * language label and a copy button the view wires up by event delegation (no inline handlers: the page runs
 * under `script-src 'self'`).
 */
export function renderMarkdown(source: string): string {
  return markdown.render(source);
}

function createRenderer(): MarkdownRenderer {
  const md = new MarkdownIt({ html: false, linkify: true, breaks: true, typographer: false });
  const escape = md.utils.escapeHtml;

  md.validateLink = (url: string) => allowedLink.test(url.trim());

  md.renderer.rules.link_open = (tokens, index, options, _env, self) => {
    const token = tokens[index];
    if (token !== undefined) {
      token.attrSet('target', '_blank');
      token.attrSet('rel', 'noopener noreferrer nofollow');
    }
    return self.renderToken(tokens, index, options);
  };

  md.renderer.rules.image = (tokens, index, options, env, self) => {
    const token = tokens[index];
    if (token === undefined) return '';
    const source = String(token.attrGet('src') ?? '');
    const alt = self.renderInlineAsText(token.children ?? [], options, env);
    const label = escape(alt !== '' ? alt : source);
    return `<a href="${escape(source)}" target="_blank" rel="noopener noreferrer nofollow" class="markdown-image-link">${label}</a>`;
  };

  md.renderer.rules.fence = (tokens, index) => {
    const token = tokens[index];
    if (token === undefined) return '';
    const first = token.info.trim().split(/\s+/)[0] ?? '';
    const language = safeLanguage.test(first) ? first : '';
    const codeClass = language === '' ? '' : ` class="language-${escape(language)}"`;
    return (
      '<div class="code-block">' +
      '<div class="code-block__header">' +
      `<span class="code-block__language">${escape(language === '' ? 'text' : language)}</span>` +
      '<button type="button" class="code-block__copy" data-action="copy-code">Copy</button>' +
      '</div>' +
      `<pre><code${codeClass}>${escape(token.content)}</code></pre>` +
      '</div>\n'
    );
  };

  md.renderer.rules.table_open = () => '<div class="table-wrap"><table>\n';
  md.renderer.rules.table_close = () => '</table></div>\n';
  return md;
}

const markdown = createRenderer();
