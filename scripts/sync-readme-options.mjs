// Rewrites the README's option reference from the CLI's option table (run after `pnpm build`).
import { readFileSync, writeFileSync } from 'node:fs';
import { renderOptionsHelp } from '../packages/cli/dist/cli-options.js';

const readmePath = new URL('../README.md', import.meta.url);
const readme = readFileSync(readmePath, 'utf8');
const start = '<!-- options:start -->\n```\n';
const end = '```\n<!-- options:end -->';
const from = readme.indexOf(start);
const to = readme.indexOf(end);
if (from < 0 || to < from) throw new Error('README.md has no <!-- options:start --> … <!-- options:end --> block');
writeFileSync(readmePath, readme.slice(0, from + start.length) + renderOptionsHelp() + readme.slice(to));
