// Renders lesson Markdown to HTML on the server, once: marked for the text, shiki for
// the code (so the browser never downloads a highlighter). Runnable blocks carry their
// command for the app's Run button; checks become a "done when" list; solutions are
// left out of graded lessons entirely.
import { Marked, type Tokens } from 'marked';
import { createHighlighter, type Highlighter } from 'shiki';
import { parseInfo } from './markdownBlocks.js';
import { languageOf } from './lessonParser.js';
import type { CheckSpec } from './lessonTypes.js';

const LANGUAGES = ['bash', 'dockerfile', 'yaml', 'json', 'python', 'ini', 'html', 'c', 'sql'];
export const LESSON_ASSETS_PATH = '/lesson-assets/';

let highlighter: Promise<Highlighter> | undefined;

function loadHighlighter(): Promise<Highlighter> {
  highlighter ??= createHighlighter({ themes: ['github-light', 'github-dark'], langs: LANGUAGES });
  return highlighter;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export interface RenderOptions {
  graded: boolean;
  checks?: CheckSpec[];
}

export async function createLessonRenderer() {
  const shiki = await loadHighlighter();
  const highlight = (code: string, language: string) => {
    const lang = language === 'sh' || language === 'shell' || language === 'console' ? 'bash' : language;
    if (!LANGUAGES.includes(lang)) return `<pre class="shiki"><code>${escapeHtml(code)}</code></pre>`;
    return shiki.codeToHtml(code, { lang, themes: { light: 'github-light', dark: 'github-dark' }, defaultColor: false });
  };

  return (markdown: string, options: RenderOptions): string => {
    const marked = new Marked({
      gfm: true,
      renderer: {
        code(token: Tokens.Code): string {
          const { language, attributes } = parseInfo(token.lang ?? '');
          const code = token.text;
          const file = typeof attributes.file === 'string' ? attributes.file : undefined;
          if (language === 'checks') return renderChecks(options.checks ?? []);
          // A step's set-up runs in the sandbox; the learner does not read it.
          if (attributes.setup === true || attributes.foreground === true || attributes.hidden === true) return '';
          if (language === 'solution') {
            if (options.graded) return '';
            const body = highlight(code, file ? languageOf(file) : 'bash');
            const title = file ? `Solution: ${escapeHtml(file)}` : 'Solution';
            return `<details class="solution" data-solution${file ? ` data-file="${escapeHtml(file)}"` : ''}><summary>${title}</summary>${body}</details>`;
          }
          const lang = language || (file ? languageOf(file) : 'text');
          const body = highlight(code, lang);
          const copy = attributes.nocopy === true ? ' data-nocopy' : ` data-copy="${escapeHtml(code)}"`;
          if (file) return `<figure class="code-block code-file" data-file="${escapeHtml(file)}"${copy}><figcaption>${escapeHtml(file)}</figcaption>${body}</figure>`;
          // interrupt: Run first sends Ctrl+C (stops what runs in the terminal).
          if (attributes.run === true) return `<div class="code-block runnable" data-run="${escapeHtml(code)}"${attributes.interrupt === true ? ' data-interrupt' : ''}${copy}>${body}</div>`;
          return `<div class="code-block"${copy}>${body}</div>`;
        },
        image(token: Tokens.Image): string {
          const src = /^[a-z]+:|^\//i.test(token.href) ? token.href : LESSON_ASSETS_PATH + token.href.replace(/^(\.\/)?images\//, 'images/');
          return `<img src="${escapeHtml(src)}" alt="${escapeHtml(token.text)}"${token.title ? ` title="${escapeHtml(token.title)}"` : ''} loading="lazy">`;
        },
      },
    });
    return marked.parse(markdown, { async: false }) as string;
  };
}

function renderChecks(checks: CheckSpec[]): string {
  if (!checks.length) return '';
  const items = checks.map((check) => `<li data-check="${escapeHtml(check.id)}">${escapeHtml(check.title)}${check.points !== 1 ? ` <span class="points">(${check.points} pts)</span>` : ''}</li>`);
  return `<div class="checks-list"><p>You are done when:</p><ul>${items.join('')}</ul></div>`;
}

/** A step's HTML with its solutions taken out (a classroom in graded mode). Solution
 * bodies are escaped code, so they never contain a closing tag of their own. */
export function withoutSolutions(html: string): string {
  return html.replace(/<details class="solution" data-solution[^>]*>[\s\S]*?<\/details>/g, '');
}
