// Adds Run and Copy buttons to the code blocks of server-rendered lesson HTML, and a
// confirmation before a solution is revealed.
import { typeIntoTerminal } from './terminalInput';

function button(label: string, text: string, onClick: () => void): HTMLButtonElement {
  const element = document.createElement('button');
  element.type = 'button';
  element.className = `code-action code-${label.toLowerCase()}`;
  element.textContent = text;
  element.setAttribute('aria-label', label);
  element.addEventListener('click', onClick);
  return element;
}

/** Types a command into the terminal, with Ctrl+C first when asked (stop what runs). */
function runCommand(command: string, interrupt: boolean, onNoTerminal: () => void): void {
  if (!typeIntoTerminal(`${interrupt ? '\x03' : ''}${command.replace(/\n/g, '\r')}\r`)) onNoTerminal();
}

export function enhanceCodeBlocks(root: HTMLElement, onNoTerminal: () => void, { run = true } = {}): void {
  for (const block of root.querySelectorAll<HTMLElement>('.code-block')) {
    if (block.querySelector('.code-actions')) continue;
    const actions = document.createElement('div');
    actions.className = 'code-actions';
    const command = block.dataset.run;
    // An instructor may hide Run in a classroom: learners type the commands themselves.
    if (command !== undefined && run) {
      actions.append(button('Run', '▶ Run', () => runCommand(command, block.dataset.interrupt !== undefined, onNoTerminal)));
    }
    if (block.dataset.nocopy !== undefined) {
      if (actions.childElementCount) block.prepend(actions);
      continue;
    }
    const copyText = block.dataset.copy ?? '';
    const copy = button('Copy', 'Copy', async () => {
      await navigator.clipboard?.writeText(copyText).catch(() => undefined);
      copy.textContent = 'Copied';
      setTimeout(() => (copy.textContent = 'Copy'), 1200);
    });
    actions.append(copy);
    block.prepend(actions);
  }
  // A command inside a sentence (an imported scenario's `cmd`{{exec}}): click to run it.
  for (const code of root.querySelectorAll<HTMLElement>('code[data-run]')) {
    if (code.dataset.enhanced || !run) continue;
    code.dataset.enhanced = 'true';
    code.setAttribute('role', 'button');
    code.tabIndex = 0;
    code.title = 'Run in the terminal';
    const runIt = () => runCommand(code.dataset.run!, code.dataset.interrupt !== undefined, onNoTerminal);
    code.addEventListener('click', runIt);
    code.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        runIt();
      }
    });
  }
  for (const details of root.querySelectorAll<HTMLDetailsElement>('details[data-solution]')) {
    if (details.dataset.guarded) continue; // enhanced again when Run is turned on or off
    details.dataset.guarded = 'true';
    details.querySelector('summary')?.addEventListener('click', (event) => {
      if (!details.open && !confirm('Reveal the solution? Trying first teaches more.')) event.preventDefault();
    });
  }
}
