import { describe, expect, it } from 'vitest';
import { shellcheckRunBodies } from '../src/index.js';

const dockerfile = (...lines: string[]) => `${lines.join('\n')}\n`;
const found = async (text: string) =>
  (await shellcheckRunBodies(text)).map((finding) => [finding.rule, finding.line, finding.column]);

describe('shellcheckRunBodies', () => {
  it('finds nothing in clean shell-form RUNs', async () => {
    const text = dockerfile(
      'FROM node:24 AS app',
      'RUN set -eu; \\',
      '    if ! command -v tini >/dev/null 2>&1; then \\',
      '      echo "no tini"; \\',
      '    fi',
    );
    expect(await shellcheckRunBodies(text)).toEqual([]);
  });

  it('maps a finding back to its Dockerfile line and column', async () => {
    const text = dockerfile(
      'FROM node:24 AS app',
      'RUN set -eu; \\',
      '    cd /app; \\',
      '    ls `pwd`',
    );
    expect(await found(text)).toEqual([
      ['SC2006', 4, 8],
      ['SC2046', 4, 8],
    ]);
  });

  it('removes --mount flags, joins continuation lines and drops comment lines', async () => {
    const text = dockerfile(
      'FROM node:24 AS app',
      'RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \\',
      '    # a comment line inside the RUN',
      '    pnpm install --store-dir /pnpm/store \\',
      '    && rm -rf $dir',
    );
    const findings = await shellcheckRunBodies(text);
    expect(findings.map((finding) => [finding.rule, finding.line, finding.column])).toEqual([
      ['SC2086', 5, 15],
      ['SC2154', 5, 15],
    ]);
    expect(findings[1]!.message).toContain('dir is referenced but not assigned');
  });

  it('knows the variables the stage declares with ARG and ENV', async () => {
    const text = dockerfile(
      'ARG version=1',
      'FROM node:24 AS app',
      'ARG version',
      'ENV home_dir=/app',
      'RUN echo "$version" "$home_dir"',
    );
    expect(await shellcheckRunBodies(text)).toEqual([]);
  });

  it('skips exec-form RUNs, and checks bash scripts as bash under SHELL ["/bin/bash", …]', async () => {
    expect(
      await shellcheckRunBodies(dockerfile('FROM node:24 AS app', 'RUN ["sh", "-c", "ls `pwd`"]')),
    ).toEqual([]);
    const bash = dockerfile(
      'FROM node:24 AS app',
      'SHELL ["/bin/bash", "-o", "pipefail", "-c"]',
      'RUN [[ -d /app ]] && echo yes',
    );
    expect(await shellcheckRunBodies(bash)).toEqual([]);
    const sh = dockerfile('FROM node:24 AS app', 'RUN [[ -d /app ]] && echo yes');
    expect((await found(sh)).map(([rule]) => rule)).toContain('SC3010');
  });

  it('fails clearly when shellcheck is missing', async () => {
    await expect(
      shellcheckRunBodies(dockerfile('FROM node:24', 'RUN true'), {
        shellcheck: '/nonexistent/shellcheck',
      }),
    ).rejects.toThrow(
      /shellcheck cannot run \(\/nonexistent\/shellcheck\): it is not installed\. Install it, e\.g\. apt-get install -y shellcheck/,
    );
  });
});
