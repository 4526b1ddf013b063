import { describe, expect, it } from 'vitest';
import {
  createWorkspaceGraph,
  defaultPlanOptions,
  planBuilds,
  renderDockerfile,
  slotMount,
  stageClosure,
  type WorkspacePackage,
} from '../src/index.js';
import { pkg, workspaceOf } from './builders.js';

function plan(packages: WorkspacePackage[]) {
  const { graph, problems } = createWorkspaceGraph(packages);
  return planBuilds(workspaceOf(packages), graph, problems, defaultPlanOptions);
}

const deps = (...names: string[]) => ({
  dependencies: Object.fromEntries(names.map((name) => [name, 'workspace:*'])),
});

/** Two apps on a chain of shared packages whose names sort against their order. */
const workspace = [
  pkg('@acme/api', 'apps/api', { dependencies: deps('@acme/alpha', '@acme/config') }),
  pkg('@acme/web', 'apps/web', { dependencies: deps('@acme/alpha') }),
  // alpha needs zeta compiled first: the stage order is not the name order.
  pkg('@acme/alpha', 'packages/alpha', { dependencies: deps('@acme/zeta') }),
  pkg('@acme/zeta', 'packages/zeta', {
    dependencies: { devDependencies: { '@acme/test-utils': 'workspace:*' } },
  }),
  // No build script: its sources are copied, no stage.
  pkg('@acme/config', 'packages/config', { scripts: {} }),
  // A test helper: installed and copied, never compiled.
  pkg('@acme/test-utils', 'packages/test-utils'),
];

describe('package stages', () => {
  it('gives each compiled shared package one stage, after the stages it copies from', () => {
    const result = plan(workspace);
    expect(result.packageStages.map((stage) => [stage.stage, stage.name])).toEqual([
      ['pkg-zeta', '@acme/zeta'],
      ['pkg-alpha', '@acme/alpha'],
    ]);
    const alpha = result.packageStages.find((stage) => stage.name === '@acme/alpha')!;
    expect(alpha.packages.map((member) => member.name)).toEqual([
      '@acme/test-utils',
      '@acme/zeta',
      '@acme/alpha',
    ]);
    const api = result.apps.find((app) => app.name === 'api')!;
    expect(
      stageClosure(result.packageStages, api.built, api.packageName).map((s) => s.stage),
    ).toEqual(['pkg-alpha', 'pkg-zeta']);
  });

  it('gives a package stage what the Dockerfiles of the apps compiling it copy, and the apps theirs', () => {
    const withCopies = workspace.map((member) =>
      member.name === '@acme/api'
        ? { ...member, dockerfileInputs: ['lexicons/', 'packages/zeta/proto/', 'schema.graphql'] }
        : member,
    );
    const result = plan(withCopies);
    const inputs = Object.fromEntries(
      result.packageStages.map((stage) => [stage.stage, stage.buildInputs]),
    );
    // api compiles alpha and zeta: both stages get its copies, but zeta's own folder comes
    // with zeta's closure.
    expect(inputs).toEqual({
      'pkg-zeta': ['lexicons/', 'schema.graphql'],
      'pkg-alpha': ['lexicons/', 'schema.graphql'],
    });
    expect(result.apps.find((app) => app.name === 'api')?.buildInputs).toEqual([
      'lexicons/',
      'schema.graphql',
    ]);
    expect(result.apps.find((app) => app.name === 'web')?.buildInputs).toEqual([]);
    expect(renderDockerfile(result)).toContain(
      'COPY packages/alpha/ packages/alpha/\nCOPY lexicons/ lexicons/\nCOPY schema.graphql schema.graphql\n',
    );
  });

  it('renders a Dockerfile whose stages copy only from stages above them', () => {
    const result = plan(workspace);
    const text = renderDockerfile(result);
    const lines = text.split('\n');
    const at = (line: string) => {
      const index = lines.indexOf(line);
      expect(index, line).toBeGreaterThan(-1);
      return index;
    };
    // Every COPY --from names a stage defined above it (BuildKit takes a later one for an image).
    const defined = new Set<string>();
    for (const line of lines) {
      const from = /^COPY --from=(\S+)/.exec(line)?.[1];
      if (from) expect(defined, line).toContain(from);
      const stage = /^FROM \S+ AS (\S+)$/.exec(line)?.[1];
      if (stage) defined.add(stage);
    }
    expect(at('FROM pkg-zeta-deps AS pkg-zeta')).toBeLessThan(
      at('FROM pkg-alpha-deps AS pkg-alpha'),
    );
    // alpha's compile: zeta from its stage, the test helper's sources, then its own.
    const alpha = lines.slice(
      at('FROM pkg-alpha-deps AS pkg-alpha'),
      at('FROM pkg-alpha-deps AS pkg-alpha') + 6,
    );
    // The compile holds a slot while it runs (see "bounds the install and compile steps").
    expect(alpha).toEqual([
      'FROM pkg-alpha-deps AS pkg-alpha',
      'COPY packages/test-utils/ packages/test-utils/',
      'COPY --from=pkg-zeta /repo/packages/zeta/ packages/zeta/',
      'COPY packages/alpha/ packages/alpha/',
      `RUN ${slotMount(result, 'pkg-alpha')} \\`,
      '    cp packages/alpha/package.json /tmp/source-manifest.json && pnpm --filter "@acme/alpha" run build',
    ]);
    // The apps compile only themselves, after copying the compiled packages.
    expect(text).toContain('COPY --from=pkg-alpha /repo/packages/alpha/ packages/alpha/');
    expect(text).not.toContain('--filter "@acme/test-utils" run');
    expect(text.match(/--filter "@acme\/zeta" run build/g)).toHaveLength(1);
  });

  it('names stages after the package, unique against each other and the apps', () => {
    const result = plan([
      pkg('@acme/pkg-one', 'apps/pkg-one', { dependencies: deps('@acme/one', '@other/one') }),
      pkg('@acme/one', 'packages/one'),
      pkg('@other/one', 'packages/other-one'),
    ]);
    expect(result.apps.map((app) => app.name)).toEqual(['pkg-one']);
    expect(result.packageStages.map((stage) => [stage.name, stage.stage])).toEqual([
      ['@acme/one', 'pkg-one-2'],
      ['@other/one', 'pkg-one-3'],
    ]);
  });
});

describe('the production stage of node apps', () => {
  const render = (fields: Partial<WorkspacePackage> = {}, buildImages?: unknown) =>
    renderDockerfile(
      plan([
        pkg('@acme/api', 'apps/api', {
          dependencies: deps('@acme/alpha'),
          ...fields,
          ...(buildImages === undefined ? {} : { buildImages }),
        }),
        pkg('@acme/alpha', 'packages/alpha'),
      ]),
    );
  const stage = (text: string, name: string) => {
    const start = text.indexOf(`AS ${name}\n`);
    expect(start, name).toBeGreaterThan(-1);
    return text.slice(start, text.indexOf('\n\n', start));
  };

  it('deploys without the sources of the app and of compiled packages; the runtime takes dependencies, compiled packages and the app in three layers', () => {
    const text = render();
    const prod = stage(text, 'api-prod');
    // A compiled package reaches the deploy as its manifest only (from api-deps): its
    // compile leaves the deploy cached.
    expect(prod).not.toContain('--from=pkg-alpha');
    expect(prod).not.toContain('COPY packages/alpha/');
    expect(prod).not.toContain('COPY apps/api/');
    expect(prod).toContain('deploy --prod');
    // The app's lifecycle scripts go from its manifest before the deploy would run them.
    expect(prod.indexOf('"postinstall"')).toBeLessThan(prod.indexOf('deploy --prod'));
    expect(stage(text, 'api-build')).not.toContain('deploy');
    // The deploy lists the folders where the compiled package landed...
    expect(prod).toContain(
      'target pkg-alpha /out/node_modules/@acme/alpha /out/node_modules/.pnpm/*/node_modules/@acme/alpha',
    );
    // Steps that always run again together share one container start: the deploy stage is one
    // RUN, and so are the app's compile and the copy of its files.
    const runs = (block: string) => block.split('\n').filter((line) => line.startsWith('RUN '));
    expect(runs(prod)).toHaveLength(1);
    const build = stage(text, 'api-build').split('\n');
    expect(runs(build.join('\n'))).toHaveLength(1);
    const run = build.findIndex((line) => line.startsWith('RUN '));
    expect(build.slice(run, run + 2)).toEqual([
      expect.stringMatching(/^RUN --mount=type=cache,id=build-images-slot-\d,sharing=locked,/),
      '    set -eu; pnpm --filter "@acme/api" run --if-present build; \\',
    ]);
    // ...and api-packages lays the packed files and output there, standing on the base rather
    // than on the deployed tree (a fresh runner pulls nothing of the deploy for it).
    const packages = stage(text, 'api-packages');
    expect(text).toContain('FROM base AS api-packages\n');
    expect(packages).toContain('COPY --from=api-prod /overlay-targets /overlay-targets');
    expect(packages).not.toContain('COPY --from=api-prod /out');
    expect(packages).toContain('COPY --from=pkg-alpha-packed /packed/ /packed/pkg-alpha/');
    expect(packages).toContain('done < /overlay-targets');
    // Packed once, in a stage of its own on top of its compile (only for a shipped package).
    expect(text).toContain('FROM pkg-alpha AS pkg-alpha-packed\n');
    expect(stage(text, 'pkg-alpha-packed')).toContain('pnpm pack --config.ignore-scripts=true');
    expect(stage(text, 'pkg-alpha')).not.toContain('pnpm pack');
    expect(packages).not.toContain('deploy');
    expect(stage(text, 'api')).toContain(
      'COPY --from=api-prod /out/ ./\nCOPY --from=api-packages /overlay/ ./\nCOPY --from=api-build /app-files/ ./',
    );
  });

  it('has no packages stage when no compiled workspace package is shipped', () => {
    const text = renderDockerfile(plan([pkg('@acme/api', 'apps/api')]));
    expect(text).not.toContain('api-packages');
    expect(text).not.toContain('pnpm pack');
    expect(stage(text, 'api')).toContain(
      'COPY --from=api-prod /out/ ./\nCOPY --from=api-build /app-files/ ./',
    );
  });

  it('carries a Prisma client generated to its default place into the deploy when a shipped package uses @prisma/client', () => {
    const db = pkg('@acme/db', 'packages/db', {
      scripts: {},
      dependencies: { dependencies: { '@prisma/client': '6.9.0' } },
    });
    const text = renderDockerfile(
      plan([pkg('@acme/api', 'apps/api', { dependencies: deps('@acme/db') }), db]),
    );
    // Collected after the compile, by store folder without the peer suffix...
    expect(stage(text, 'api-build')).toContain(
      'for client in /repo/node_modules/.pnpm/@prisma+client@*/node_modules/.prisma; do',
    );
    // ...listed where the deploy put @prisma/client...
    expect(stage(text, 'api-prod')).toContain(
      'echo "prisma/$key $dir/.prisma" >> /overlay-targets; done',
    );
    // ...and laid there by the overlay, which the runtime copies.
    expect(stage(text, 'api-packages')).toContain(
      'COPY --from=api-build /prisma-clients/ /packed/prisma/',
    );
    expect(stage(text, 'api')).toContain('COPY --from=api-packages /overlay/ ./');
    // Without @prisma/client nothing of it is written.
    const without = renderDockerfile(plan([pkg('@acme/api', 'apps/api')]));
    expect(without).not.toContain('prisma');
  });

  it('packs a compiled package only when a node app ships it', () => {
    const text = render({}, { kind: 'bundle', entry: 'src/main.ts' });
    expect(text).toContain('FROM pkg-alpha-deps AS pkg-alpha\n');
    expect(text).not.toContain('pkg-alpha-packed');
    expect(text).not.toContain('pnpm pack');
  });

  it('ships what the files field lists, plus the build output; all but node_modules without one', () => {
    const listed = stage(
      render({ buildHints: { files: ['dist', 'views/*.html', '!dist/test'] } }),
      'api-build',
    );
    expect(listed).toContain('for entry in package.json dist views build lib; do');
    const all = stage(render(), 'api-build');
    expect(all).toContain('cp -R . /app-files/; rm -rf /app-files/node_modules;');
    // An entry that is not a plain path or glob: everything, rather than a shell surprise.
    const odd = stage(render({ buildHints: { files: ['dist', 'a b'] } }), 'api-build');
    expect(odd).toContain('cp -R . /app-files/');
  });

  it('keeps the kept paths and drops the sources of an app that runs built output', () => {
    const text = stage(render({}, { keep: ['node_modules/.prisma'] }), 'api-build');
    expect(text).toContain('cp -RL --parents node_modules/.prisma /app-files/;');
    expect(text).toContain('rm -rf /app-files/test');
    // From src only code goes: data the server reads there stays.
    expect(text).toContain('fs.rmSync(file); } }; const root = process.argv[1];');
    expect(text).toContain("' /app-files/src");
    expect(text.indexOf('rm -rf /app-files/node_modules')).toBeLessThan(
      text.indexOf('cp -RL --parents'),
    );
  });
});
