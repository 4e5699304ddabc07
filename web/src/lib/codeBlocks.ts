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

export function enhanceCodeBlocks(root: HTMLElement, onNoTerminal: () => void, { run = true } = {}): void {
  for (const block of root.querySelectorAll<HTMLElement>('.code-block')) {
    if (block.querySelector('.code-actions')) continue;
    const actions = document.createElement('div');
    actions.className = 'code-actions';
    const command = block.dataset.run;
    // An instructor may hide Run in a classroom: learners type the commands themselves.
    if (command !== undefined && run) {
      actions.append(
        button('Run', '▶ Run', () => {
          if (!typeIntoTerminal(command.replace(/\n/g, '\r') + '\r')) onNoTerminal();
        }),
      );
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
  for (const details of root.querySelectorAll<HTMLDetailsElement>('details[data-solution]')) {
    if (details.dataset.guarded) continue; // enhanced again when Run is turned on or off
    details.dataset.guarded = 'true';
    details.querySelector('summary')?.addEventListener('click', (event) => {
      if (!details.open && !confirm('Reveal the solution? Trying first teaches more.')) event.preventDefault();
    });
  }
}
