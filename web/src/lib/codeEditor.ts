// CodeMirror, loaded only when a file is opened, so the first page stays small.
import { EditorView, basicSetup } from 'codemirror';
import { keymap } from '@codemirror/view';
import { StreamLanguage } from '@codemirror/language';
import { python } from '@codemirror/lang-python';
import { yaml } from '@codemirror/lang-yaml';
import { json } from '@codemirror/lang-json';
import { dockerFile } from '@codemirror/legacy-modes/mode/dockerfile';
import { shell } from '@codemirror/legacy-modes/mode/shell';
import { properties } from '@codemirror/legacy-modes/mode/properties';

function languageFor(path: string) {
  const name = path.split('/').pop() ?? '';
  if (/^dockerfile/i.test(name) || name.endsWith('.Dockerfile')) return StreamLanguage.define(dockerFile);
  if (name.endsWith('.py')) return python();
  if (/\.ya?ml$/.test(name)) return yaml();
  if (name.endsWith('.json')) return json();
  if (name.endsWith('.sh')) return StreamLanguage.define(shell);
  if (name === '.env' || name.endsWith('.ini') || name.endsWith('.conf')) return StreamLanguage.define(properties);
  return [];
}

export function createEditor(parent: HTMLElement, path: string, content: string, onSave: () => void, onChange: () => void): EditorView {
  return new EditorView({
    parent,
    doc: content,
    extensions: [
      basicSetup,
      languageFor(path),
      keymap.of([{ key: 'Mod-s', preventDefault: true, run: () => (onSave(), true) }]),
      EditorView.updateListener.of((update) => update.docChanged && onChange()),
      EditorView.contentAttributes.of({ 'aria-label': `Editing ${path}` }),
    ],
  });
}
