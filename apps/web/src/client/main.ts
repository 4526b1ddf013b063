import { clickLabel, greeting } from './greeting.js';

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.textContent = text;
  return node;
}

async function showServerStatus(target: HTMLElement): Promise<void> {
  try {
    const response = await fetch('/health');
    const body = (await response.json()) as { status?: unknown };
    target.textContent = `Server: ${response.ok ? String(body.status) : `HTTP ${response.status}`}`;
  } catch {
    target.textContent = 'Server: unreachable';
  }
}

function renderApp(root: HTMLElement): void {
  let count = 0;
  const label = element('output', clickLabel(count));
  const button = element('button', 'Click me');
  button.type = 'button';
  button.addEventListener('click', () => {
    count += 1;
    label.textContent = clickLabel(count);
  });
  const status = element('p', 'Server: checking…');

  root.replaceChildren(
    element('h1', `${greeting(new Date())} from Acme`),
    element('p', 'A static page built by Vite and served by @acme/web.'),
    button,
    label,
    status,
  );
  void showServerStatus(status);
}

const root = document.querySelector<HTMLElement>('#app');
if (root === null) throw new Error('the page has no #app element');
renderApp(root);
