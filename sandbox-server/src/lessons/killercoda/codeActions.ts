// KillerCoda's Markdown in Drydock's: code actions (`cmd`{{exec}}, fenced blocks ending
// in {{exec}}, {{exec interrupt}}, {{copy}}, {{}}) become Run blocks, inline Run code,
// Copy-only or plain blocks; "Solution" dropdowns become Drydock's guarded solutions and
// give the harness the step's solution; headings move below Drydock's step headings.
import path from 'node:path';
import { escapeHtml } from '../lessonRenderer.js';

export interface ConvertedText {
  markdown: string;
  /** The commands of the step's "Solution" dropdown, in order (alternatives after an "OR" left out). */
  solution: string[];
  /** Files the dropdown says to create or edit ("Create the `/root/Dockerfile`:" and a block). */
  solutionFiles: { path: string; content: string }[];
  warnings: string[];
}

/** "Create the `/root/Dockerfile`", "Update `app/main.py`": a sentence naming a file to write. */
const FILE_TO_WRITE = /\b(?:create|write|edit|update|change|modify|add)\b[^`]*`((?:\/|\.\/)?[\w.-]+(?:\/[\w.-]+)*)`/i;
const FENCE_OPEN = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)\s*$/;
const ACTION = /^\{\{(exec(?: interrupt)?|copy|)\}\}\s*$/;
/** Highlighted as themselves; anything else (plain, text, console) reads as shell. */
const KEEP_LANGUAGE = new Set(['bash', 'sh', 'shell', 'dockerfile', 'yaml', 'yml', 'json', 'python', 'ini', 'html', 'sql', 'c']);

function blockInfo(language: string, action: string | undefined): string {
  const lang = KEEP_LANGUAGE.has(language) ? (language === 'yml' ? 'yaml' : language) : action?.startsWith('exec') ? 'bash' : language || 'text';
  if (action === 'exec') return `${lang} run`;
  if (action === 'exec interrupt') return `${lang} run interrupt`;
  if (action === '') return `${lang} nocopy`;
  return lang;
}

/** Inline code with an action: `cmd`{{exec}} runs on click; {{copy}} and {{}} stay code. */
function convertInline(line: string): string {
  return line.replace(/`([^`\n]+)`\{\{(exec(?: interrupt)?|copy|)\}\}/g, (_all, code: string, action: string) => {
    if (!action.startsWith('exec')) return `\`${code}\``;
    return `<code data-run="${escapeHtml(code)}"${action === 'exec interrupt' ? ' data-interrupt' : ''}>${escapeHtml(code)}</code>`;
  });
}

export function convertKillercodaMarkdown(text: string): ConvertedText {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const out: string[] = [];
  const solution: string[] = [];
  const solutionFiles: { path: string; content: string }[] = [];
  const warnings: string[] = [];
  /** In a Solution dropdown: the file the text last said to create or edit. */
  let fileToWrite: string | undefined;
  let inSolution = false;
  let afterOr = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const open = FENCE_OPEN.exec(line);
    if (open) {
      const [, indent, marker, language] = open;
      const body: string[] = [];
      let j = i + 1;
      let action: string | undefined;
      for (; j < lines.length; j++) {
        const close = lines[j].trimStart();
        if (close.startsWith(marker)) {
          const rest = close.slice(marker.length);
          const found = ACTION.exec(rest);
          if (rest.trim() === '' || found) {
            action = found?.[1];
            break;
          }
        }
        body.push(lines[j]);
      }
      // Drydock's fences start at the line's start (an indented one would not be seen).
      out.push(`${marker}${blockInfo(language, action)}`, ...body.map((bodyLine) => (bodyLine.startsWith(indent) ? bodyLine.slice(indent.length) : bodyLine)), marker);
      // Only what the dropdown runs; a block without {{exec}} is text to read, or the content
      // of the file the sentence before it names.
      if (inSolution && !afterOr && action?.startsWith('exec')) solution.push(body.join('\n'));
      else if (inSolution && !afterOr && fileToWrite) solutionFiles.push({ path: fileToWrite, content: body.join('\n') + '\n' });
      fileToWrite = undefined;
      afterOr = false;
      i = j;
      continue;
    }
    if (/^<details>\s*<summary>\s*solution/i.test(line.trim())) {
      inSolution = true;
      out.push(line.replace(/<details>/i, '<details class="solution" data-solution>'));
      continue;
    }
    if (/<\/details>/i.test(line)) inSolution = false;
    if (inSolution && /^\s*or\s*$/i.test(line)) afterOr = true;
    const named = inSolution ? FILE_TO_WRITE.exec(line) : null;
    // A relative name is from root's home, where KillerCoda's terminal starts.
    if (named) fileToWrite = path.posix.resolve('/root', named[1]);
    const image = /!\[([^\]]*)\]\(([^)\s]+)[^)]*\)/g;
    if (image.test(line)) warnings.push('images are not imported: shown as their description');
    // Steps are Drydock's "## " headings: the scenario's own headings sit below them.
    const demoted = line.replace(/^(#{1,2})(\s)/, '###$2');
    out.push(convertInline(demoted.replace(image, (_all, alt: string) => `*(image: ${alt || 'not shown'})*`)));
  }
  return { markdown: out.join('\n'), solution, solutionFiles, warnings: [...new Set(warnings)] };
}
