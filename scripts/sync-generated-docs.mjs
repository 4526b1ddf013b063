// Rewrites what the docs take from the code (run after `pnpm build`): the README's option and
// config references, and the JSON schema of build-images.config.json. A test checks they match.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { renderConfigReference, renderOptionsHelp } from '../packages/cli/dist/cli-options.js';
import { toolConfigSchema } from '../packages/core/dist/index.js';

function replaceBlock(text, name, content) {
  const start = `<!-- ${name}:start -->\n`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from)
    throw new Error(`README.md has no <!-- ${name}:start --> … <!-- ${name}:end --> block`);
  return text.slice(0, from + start.length) + content + text.slice(to);
}

const readmePath = new URL('../README.md', import.meta.url);
let readme = readFileSync(readmePath, 'utf8');
readme = replaceBlock(readme, 'options', `\`\`\`\n${renderOptionsHelp()}\`\`\`\n`);
readme = replaceBlock(readme, 'config', renderConfigReference());
writeFileSync(readmePath, readme);

const schemaDir = new URL('../packages/cli/schema/', import.meta.url);
mkdirSync(schemaDir, { recursive: true });
writeFileSync(
  new URL('build-images.config.schema.json', schemaDir),
  `${JSON.stringify(toolConfigSchema(), null, 2)}\n`,
);
