import { describe, expect, it } from 'vitest';
import { codegenOf, withoutDatabaseSteps } from '../src/index.js';
import { pkg } from './builders.js';

describe('codegenOf', () => {
  it('runs code generation scripts, but not those that write migrations or read a database', () => {
    const db = (generate: string) =>
      pkg('@x/db', 'packages/db', { scripts: { generate, build: 'tsc' } });
    expect(codegenOf(db('graphql-codegen --config codegen.ts'))).toEqual([
      { packageName: '@x/db', dir: 'packages/db', run: { script: 'generate' } },
    ]);
    // openstatus' and unkey's packages/db: "generate": "drizzle-kit generate" writes SQL
    // migrations from the schema, which no build compiles.
    for (const script of [
      'drizzle-kit generate',
      'pnpm exec drizzle-kit generate --config drizzle.config.ts',
      'kysely-codegen --out-file src/db.d.ts',
      'prisma migrate dev',
      'prisma db push',
      'supabase gen types typescript --local > src/types.ts',
      'typeorm-ts-node-commonjs migration:generate src/migrations/x',
    ])
      expect(codegenOf(db(script)), script).toEqual([]);
  });

  it('leaves out a script the build script already runs', () => {
    const gql = pkg('@x/gql', 'packages/gql', {
      scripts: { codegen: 'graphql-codegen', build: 'pnpm run codegen && tsc' },
    });
    expect(codegenOf(gql)).toEqual([]);
  });
});

describe('withoutDatabaseSteps', () => {
  it("takes the steps that need a live database out of a build script's && chain (inbox-zero)", () => {
    expect(
      withoutDatabaseSteps({
        build:
          'prisma migrate deploy && cross-env NODE_OPTIONS=--max_old_space_size=16384 next build && serwist build serwist.config.mjs',
      }),
    ).toEqual({
      script:
        'cross-env NODE_OPTIONS=--max_old_space_size=16384 next build && serwist build serwist.config.mjs',
      dropped: ['prisma migrate deploy'],
    });
    // A step that runs a script of the package which migrates, and drizzle's push.
    expect(
      withoutDatabaseSteps({
        build: 'pnpm run db:migrate && drizzle-kit push && next build',
        'db:migrate': 'prisma migrate deploy',
      }),
    ).toEqual({ script: 'next build', dropped: ['pnpm run db:migrate', 'drizzle-kit push'] });
  });

  it.each([
    ['no database step', 'prisma generate && next build'],
    ['only database steps', 'prisma migrate deploy'],
    ['a ; in the chain', 'prisma migrate deploy; next build'],
    ['a fallback', 'prisma migrate deploy || true && next build'],
    ['a subshell', '(prisma migrate deploy) && next build'],
  ])('leaves a build script as it is with %s', (_, build) => {
    expect(withoutDatabaseSteps({ build })).toBeUndefined();
  });

  it('leaves a package without a build script alone', () => {
    expect(withoutDatabaseSteps({ start: 'prisma migrate deploy && node dist/main.js' })).toBe(
      undefined,
    );
  });
});
