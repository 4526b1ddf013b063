import { describe, expect, it } from 'vitest';
import { codegenOf } from '../src/index.js';
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
