import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { commands, parseCliOptions } from '../src/cli-options.js';

const examplesDir = path.resolve(import.meta.dirname, '../examples');

/** Every shell line of a CI file (GitHub `run:`, GitLab `script:`), continuation lines joined. */
function shellLines(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(shellLines);
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([key, value]) => {
    if (
      (key === 'run' || key === 'script' || key === 'before_script') &&
      (typeof value === 'string' || Array.isArray(value))
    ) {
      return [value].flat().flatMap((text) =>
        String(text)
          .replace(/\\\n\s*/g, ' ')
          .split('\n'),
      );
    }
    return shellLines(value);
  });
}

/** The arguments after `build-images` on a line, with quotes removed and CI expressions and variables replaced by 1. */
function buildImagesArgs(line: string): string[] | undefined {
  const at = line.indexOf('build-images');
  if (at < 0) return undefined;
  const rest = line.slice(at + 'build-images'.length).split(/[|>]/)[0]!;
  return [...rest.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((match) =>
    (match[1] ?? match[2] ?? match[3] ?? '').replace(/\$\{\{[^}]*\}\}|\$\w+/g, '1'),
  );
}

describe('the example CI workflows', () => {
  const files = readdirSync(examplesDir).filter((file) => file.endsWith('.yml'));

  it('exist for GitHub Actions and GitLab CI', () => {
    expect(files.sort()).toEqual(['github-actions.yml', 'gitlab-ci.yml']);
  });

  it.each(files)(
    '%s parses as YAML and calls build-images only with commands and flags that exist',
    (file) => {
      const workflow = load(readFileSync(path.join(examplesDir, file), 'utf8'));
      const calls = shellLines(workflow)
        .map(buildImagesArgs)
        .filter((args): args is string[] => args !== undefined);
      expect(calls.length).toBeGreaterThan(0);
      for (const args of calls) {
        const options = parseCliOptions(args, {});
        expect(Object.keys(commands)).toContain(options.command);
      }
    },
  );
});
