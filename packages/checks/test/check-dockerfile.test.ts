import { describe, expect, it } from 'vitest';
import { checkDockerfile, type CheckDockerfileOptions } from '../src/index.js';

const dockerfile = (...lines: string[]) => `${lines.join('\n')}\n`;
/** The rule ids and lines found, to compare exactly. */
const found = (text: string, options: CheckDockerfileOptions = { servedTargets: ['app'] }) =>
  checkDockerfile(text, options).map((finding) => [finding.rule, finding.line]);

const image = 'node:24.21.0-bookworm-slim';
/** The runtime stage of a served app that breaks no rule; tests swap lines in and out of it. */
const runtime = [
  `FROM ${image} AS app`,
  'WORKDIR /app',
  'USER 1000:1000',
  'HEALTHCHECK CMD ["node", "-e", "process.exit(0)"]',
  'ENTRYPOINT ["tini", "--"]',
  'CMD ["node", "dist/main.js"]',
];

describe('checkDockerfile', () => {
  it('passes a multi-stage Dockerfile that follows every rule', () => {
    const text = dockerfile(
      `ARG NODE_IMAGE=${image}`,
      'FROM ${NODE_IMAGE} AS base',
      'FROM base AS build',
      'RUN --mount=type=cache,target=/pnpm/store pnpm install || exit 1',
      'FROM base AS app',
      'COPY --from=build /out/ ./',
      'USER 1000:1000',
      'HEALTHCHECK CMD ["node", "-e", "0"]',
      'ENTRYPOINT ["tini", "--"]',
      'CMD ["node", "dist/main.js"]',
    );
    expect(checkDockerfile(text, { servedTargets: ['app'] })).toEqual([]);
  });

  describe('DL3002 / BI001: the last USER of every target is not root', () => {
    it('fails a target whose last USER is root, on that line', () => {
      expect(
        found(
          dockerfile(
            ...runtime.slice(0, 2),
            'USER 1000',
            'RUN true',
            'USER root',
            ...runtime.slice(3),
          ),
        ),
      ).toEqual([['DL3002', 5]]);
    });

    it('fails USER 0 and USER 0:0', () => {
      expect(found(dockerfile(...runtime.slice(0, 2), 'USER 0', ...runtime.slice(3)))).toEqual([
        ['DL3002', 3],
      ]);
      expect(found(dockerfile(...runtime.slice(0, 2), 'USER 0:0', ...runtime.slice(3)))).toEqual([
        ['DL3002', 3],
      ]);
    });

    it('passes a numeric or named non-root user', () => {
      expect(found(dockerfile(...runtime))).toEqual([]);
      expect(found(dockerfile(...runtime.slice(0, 2), 'USER node', ...runtime.slice(3)))).toEqual(
        [],
      );
    });

    it('fails a root USER inherited from the parent stage, on the parent stage’s USER line', () => {
      const text = dockerfile(
        `FROM ${image} AS base`,
        'USER root',
        'FROM base AS app',
        ...runtime.slice(3),
      );
      expect(found(text)).toEqual([['DL3002', 2]]);
    });

    it('passes a non-root USER inherited through two parent stages', () => {
      const text = dockerfile(
        `FROM ${image} AS base`,
        'USER 1000:1000',
        'FROM base AS middle',
        'RUN true',
        'FROM middle AS app',
        ...runtime.slice(3),
      );
      expect(found(text)).toEqual([]);
    });

    it('lets a target’s own USER override a root parent', () => {
      const text = dockerfile(
        `FROM ${image} AS base`,
        'USER root',
        'FROM base AS app',
        'USER 1000',
        ...runtime.slice(3),
      );
      expect(found(text)).toEqual([]);
    });

    it('counts a target without any USER in its stage chain as root (BI001, on its FROM line)', () => {
      const text = dockerfile(
        `FROM ${image} AS base`,
        'RUN true',
        'FROM base AS app',
        ...runtime.slice(3),
      );
      expect(found(text)).toEqual([['BI001', 3]]);
    });

    it('resolves USER ${UID} through the stage’s ARG default', () => {
      expect(
        found(dockerfile(runtime[0]!, 'ARG UID=0', 'USER ${UID}', ...runtime.slice(3))),
      ).toEqual([['DL3002', 3]]);
      expect(
        found(dockerfile(runtime[0]!, 'ARG UID=1000', 'USER ${UID}', ...runtime.slice(3))),
      ).toEqual([]);
    });

    it('only checks the final stages: a build stage running as root is fine', () => {
      const text = dockerfile(
        `FROM ${image} AS build`,
        'RUN make',
        runtime[0]!,
        'COPY --from=build /out ./',
        ...runtime.slice(2),
      );
      expect(found(text)).toEqual([]);
    });

    it('checks every final stage, served or not', () => {
      const text = dockerfile(...runtime, `FROM ${image} AS worker`, 'CMD ["node", "worker.js"]');
      expect(found(text)).toEqual([['BI001', 7]]);
    });

    it('checks exactly the targets given instead of the final stages', () => {
      const text = dockerfile(`FROM ${image} AS build`, 'RUN make', ...runtime);
      expect(found(text, { servedTargets: [], targets: ['build'] })).toEqual([['BI001', 1]]);
    });
  });

  describe('DL3006 / DL3007: external images are pinned', () => {
    it('fails an untagged FROM', () => {
      expect(found(dockerfile('FROM node AS app', ...runtime.slice(1)))).toEqual([['DL3006', 1]]);
    });

    it('fails FROM :latest', () => {
      expect(found(dockerfile('FROM node:latest AS app', ...runtime.slice(1)))).toEqual([
        ['DL3007', 1],
      ]);
    });

    it('passes a version tag, a digest, and a registry with a port', () => {
      expect(found(dockerfile('FROM node:24.21.0 AS app', ...runtime.slice(1)))).toEqual([]);
      expect(
        found(dockerfile(`FROM node@sha256:${'a'.repeat(64)} AS app`, ...runtime.slice(1))),
      ).toEqual([]);
      expect(
        found(dockerfile('FROM registry.local:5000/node:24 AS app', ...runtime.slice(1))),
      ).toEqual([]);
      expect(
        found(dockerfile('FROM registry.local:5000/node AS app', ...runtime.slice(1))),
      ).toEqual([['DL3006', 1]]);
    });

    it('resolves the ARG default used in FROM ${X}', () => {
      expect(
        found(dockerfile('ARG BASE=node', 'FROM ${BASE} AS app', ...runtime.slice(1))),
      ).toEqual([['DL3006', 2]]);
      expect(
        found(dockerfile('ARG BASE=node:latest', '', 'FROM $BASE AS app', ...runtime.slice(1))),
      ).toEqual([['DL3007', 3]]);
      expect(
        found(dockerfile(`ARG BASE=${image}`, 'FROM ${BASE} AS app', ...runtime.slice(1))),
      ).toEqual([]);
      expect(
        found(dockerfile('ARG TAG=24.21.0', 'FROM node:${TAG} AS app', ...runtime.slice(1))),
      ).toEqual([]);
    });

    it('fails FROM ${X} when the ARG has no default, as it cannot be checked', () => {
      expect(found(dockerfile('ARG BASE', 'FROM ${BASE} AS app', ...runtime.slice(1)))).toEqual([
        ['DL3006', 2],
      ]);
    });

    it('accepts FROM of an earlier stage (also by an ARG naming it)', () => {
      expect(
        found(dockerfile(`FROM ${image} AS base`, 'FROM base AS app', ...runtime.slice(1))),
      ).toEqual([]);
      expect(
        found(
          dockerfile(
            'ARG STAGE=base',
            `FROM ${image} AS base`,
            'FROM ${STAGE} AS app',
            ...runtime.slice(1),
          ),
        ),
      ).toEqual([]);
    });

    it('checks COPY --from=<image> like a FROM, but not COPY --from=<stage>', () => {
      expect(
        found(
          dockerfile(
            ...runtime.slice(0, 2),
            'COPY --from=busybox /bin/busybox /bin/',
            ...runtime.slice(2),
          ),
        ),
      ).toEqual([['DL3006', 3]]);
      expect(
        found(
          dockerfile(
            ...runtime.slice(0, 2),
            'COPY --from=busybox:1.36 /bin/busybox /bin/',
            ...runtime.slice(2),
          ),
        ),
      ).toEqual([]);
    });
  });

  describe('BI006: COPY --from names a stage defined above', () => {
    it('fails a COPY --from of a stage defined below, naming its line', () => {
      const text = dockerfile(
        `FROM ${image} AS lib-user`,
        'COPY --from=lib /repo/lib/ lib/',
        `FROM ${image} AS lib`,
        'RUN mkdir -p /repo/lib',
        ...runtime,
      );
      const options = { servedTargets: ['app'], targets: ['app'] };
      expect(found(text, options)).toEqual([['BI006', 2]]);
      expect(checkDockerfile(text, options)[0]?.message).toContain('defined below on line 3');
    });

    it('passes the same stages in dependency order', () => {
      expect(
        found(
          dockerfile(
            `FROM ${image} AS lib`,
            'RUN mkdir -p /repo/lib',
            `FROM ${image} AS lib-user`,
            'COPY --from=lib /repo/lib/ lib/',
            ...runtime,
          ),
          { servedTargets: ['app'], targets: ['app'] },
        ),
      ).toEqual([]);
    });
  });

  describe('DL3020: COPY, not ADD', () => {
    it('fails ADD', () => {
      expect(
        found(dockerfile(...runtime.slice(0, 2), 'ADD dist/ ./dist/', ...runtime.slice(2))),
      ).toEqual([['DL3020', 3]]);
    });
    it('passes COPY', () => {
      expect(
        found(dockerfile(...runtime.slice(0, 2), 'COPY dist/ ./dist/', ...runtime.slice(2))),
      ).toEqual([]);
    });
  });

  describe('DL3025: CMD and ENTRYPOINT in exec form', () => {
    it('fails a shell-form CMD and ENTRYPOINT', () => {
      expect(found(dockerfile(...runtime.slice(0, 5), 'CMD node dist/main.js'))).toEqual([
        ['DL3025', 6],
      ]);
      expect(found(dockerfile(...runtime.slice(0, 4), 'ENTRYPOINT tini --', runtime[5]!))).toEqual([
        ['DL3025', 5],
      ]);
    });
    it('passes the JSON form, also across continuation lines', () => {
      expect(
        found(dockerfile(...runtime.slice(0, 5), 'CMD ["node", \\', '     "dist/main.js"]')),
      ).toEqual([]);
    });
    it('fails a bracketed shell form that is not JSON', () => {
      expect(found(dockerfile(...runtime.slice(0, 5), "CMD ['node', 'dist/main.js']"))).toEqual([
        ['DL3025', 6],
      ]);
    });
  });

  describe('DL4006: pipefail before a pipe', () => {
    const withRun = (...run: string[]) =>
      dockerfile(
        `FROM ${image} AS build`,
        ...run,
        runtime[0]!,
        'COPY --from=build /out ./',
        ...runtime.slice(2),
      );

    it('fails a RUN with a pipe and no pipefail, on the RUN line', () => {
      expect(found(withRun('RUN curl -fsSL https://example.test/x | tar x'))).toEqual([
        ['DL4006', 2],
      ]);
    });

    it('fails a pipe on a continuation line, on the RUN’s first line', () => {
      expect(
        found(
          withRun(
            'RUN --mount=type=cache,target=/root/.npm \\',
            '    set -eu; \\',
            '    ls / | wc -l',
          ),
        ),
      ).toEqual([['DL4006', 2]]);
    });

    it('passes || , quoted pipes and comments', () => {
      expect(found(withRun('RUN command -v tini || apt-get install -y tini'))).toEqual([]);
      expect(found(withRun('RUN echo "a|b" \'c|d\' a\\|b'))).toEqual([]);
      expect(found(withRun('RUN true \\', '  # ls | wc', '  && echo done'))).toEqual([]);
    });

    it('passes set -o pipefail (or set -euo pipefail) before the pipe', () => {
      expect(found(withRun('RUN set -o pipefail && ls | wc -l'))).toEqual([]);
      expect(found(withRun('RUN set -euo pipefail; ls | wc -l'))).toEqual([]);
      expect(found(withRun('RUN ls | wc -l; set -o pipefail'))).toEqual([['DL4006', 2]]);
    });

    it('passes SHELL with -o pipefail, also inherited from the parent stage', () => {
      expect(
        found(withRun('SHELL ["/bin/bash", "-o", "pipefail", "-c"]', 'RUN ls | wc -l')),
      ).toEqual([]);
      const inherited = dockerfile(
        `FROM ${image} AS base`,
        'SHELL ["/bin/bash", "-o", "pipefail", "-c"]',
        'FROM base AS build',
        'RUN ls | wc -l',
        runtime[0]!,
        'COPY --from=build /out ./',
        ...runtime.slice(2),
      );
      expect(found(inherited)).toEqual([]);
    });

    it('fails when the SHELL is set only after the RUN', () => {
      expect(
        found(withRun('RUN ls | wc -l', 'SHELL ["/bin/bash", "-o", "pipefail", "-c"]')),
      ).toEqual([['DL4006', 2]]);
    });
  });

  describe('DL3024 / BI002: stage names unique and valid', () => {
    it('fails a duplicate stage name, on the second FROM', () => {
      const text = dockerfile(
        `FROM ${image} AS build`,
        'RUN make',
        `FROM ${image} AS build`,
        'RUN make',
        runtime[0]!,
        'COPY --from=build /out ./',
        ...runtime.slice(2),
      );
      expect(found(text, { servedTargets: ['app'], targets: ['app'] })).toEqual([['DL3024', 3]]);
    });

    it('treats names without regard to case, as BuildKit does', () => {
      const text = dockerfile(
        `FROM ${image} AS build`,
        `FROM ${image} AS Build`,
        runtime[0]!,
        'COPY --from=build /out ./',
        ...runtime.slice(2),
      );
      expect(found(text, { servedTargets: ['app'], targets: ['app'] })).toEqual([
        ['BI002', 2],
        ['DL3024', 2],
      ]);
    });

    it('fails names outside [a-z][a-z0-9_.-]*', () => {
      expect(
        found(dockerfile(`FROM ${image} AS 1app`, ...runtime.slice(1)), {
          servedTargets: ['1app'],
        }),
      ).toEqual([['BI002', 1]]);
      expect(
        found(dockerfile(`FROM ${image} AS app+1`, ...runtime.slice(1)), {
          servedTargets: ['app+1'],
        }),
      ).toEqual([['BI002', 1]]);
    });

    it('passes valid unique names', () => {
      expect(
        found(dockerfile(`FROM ${image} AS app_1.x-y`, ...runtime.slice(1)), {
          servedTargets: ['app_1.x-y'],
        }),
      ).toEqual([]);
    });
  });

  describe('BI003 / DL3012: one HEALTHCHECK in each served target', () => {
    const noHealthcheck = runtime.filter((line) => !line.startsWith('HEALTHCHECK'));

    it('fails a served target without HEALTHCHECK, on its FROM line', () => {
      expect(
        found(
          dockerfile(
            `FROM ${image} AS base`,
            'RUN true',
            'FROM base AS app',
            ...noHealthcheck.slice(1),
          ),
        ),
      ).toEqual([['BI003', 3]]);
    });

    it('does not need one in a target that is not served', () => {
      expect(found(dockerfile(...noHealthcheck), { servedTargets: [] })).toEqual([]);
    });

    it('counts a HEALTHCHECK inherited from the parent stage', () => {
      const text = dockerfile(
        `FROM ${image} AS base`,
        'HEALTHCHECK CMD ["true"]',
        'FROM base AS app',
        ...noHealthcheck.slice(1),
      );
      expect(found(text)).toEqual([]);
    });

    it('fails HEALTHCHECK NONE', () => {
      const text = dockerfile(
        `FROM ${image} AS base`,
        'HEALTHCHECK CMD ["true"]',
        'FROM base AS app',
        'HEALTHCHECK NONE',
        ...noHealthcheck.slice(1),
      );
      expect(found(text)).toEqual([['BI003', 4]]);
    });

    it('fails two HEALTHCHECKs in one stage, on the second', () => {
      expect(
        found(dockerfile(...runtime.slice(0, 4), 'HEALTHCHECK CMD ["true"]', ...runtime.slice(4))),
      ).toEqual([['DL3012', 5]]);
    });

    it('fails a served target with one HEALTHCHECK of its own and one inherited', () => {
      const text = dockerfile(
        `FROM ${image} AS base`,
        'HEALTHCHECK CMD ["true"]',
        'FROM base AS app',
        ...runtime.slice(1),
      );
      expect(found(text)).toEqual([['DL3012', 6]]);
    });

    it('fails a served target that is not a stage (BI005)', () => {
      expect(found(dockerfile(...runtime), { servedTargets: ['app', 'api'] })).toEqual([
        ['BI005', 1],
      ]);
    });
  });

  describe('BI004: no # syntax= directive', () => {
    it('fails a syntax directive', () => {
      expect(found(dockerfile('# syntax=docker/dockerfile:1', ...runtime))).toEqual([['BI004', 1]]);
    });
    it('passes other comments', () => {
      expect(found(dockerfile('# Generated: syntax is fine here', ...runtime))).toEqual([]);
    });
  });

  it('reports every broken rule of one file, sorted by line', () => {
    const text = dockerfile(
      '# syntax=docker/dockerfile:1.7',
      'FROM node AS Base',
      'ADD . /app',
      'RUN ls | wc -l',
      'CMD node main.js',
    );
    expect(found(text, { servedTargets: ['base'] })).toEqual([
      ['BI004', 1],
      ['BI001', 2],
      ['BI002', 2],
      ['BI003', 2],
      ['DL3006', 2],
      ['DL3020', 3],
      ['DL4006', 4],
      ['DL3025', 5],
    ]);
  });
});
