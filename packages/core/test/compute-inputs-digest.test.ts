import { describe, expect, it } from 'vitest';
import {
  computeInputsDigest,
  digestFiles,
  shortDigest,
  type DigestInputs,
  type HashedFile,
} from '../src/index.js';

function aFile(path: string, hash = 'a'.repeat(64), executable = false): HashedFile {
  return { path, hash, executable };
}

function digestInputs(fields: Partial<DigestInputs> = {}): DigestInputs {
  return {
    baseImage: 'node:24.21.0-bookworm-slim',
    buildArgs: { NODE_ENV: 'production', API_URL: 'https://api.example' },
    dockerfileStages: 'FROM node AS base\nFROM base AS api',
    lockfileSlice: 'b'.repeat(64),
    rootFiles: [aFile('package.json'), aFile('pnpm-workspace.yaml', 'c'.repeat(64))],
    packages: new Map([
      ['apps/api', 'd'.repeat(64)],
      ['packages/logger', 'e'.repeat(64)],
    ]),
    ...fields,
  };
}

describe('computeInputsDigest', () => {
  it('gives a sha256 digest that does not depend on the order the inputs were read in', () => {
    const digest = computeInputsDigest(digestInputs());
    expect(digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    const reordered = digestInputs({
      buildArgs: { API_URL: 'https://api.example', NODE_ENV: 'production' },
      rootFiles: [aFile('pnpm-workspace.yaml', 'c'.repeat(64)), aFile('package.json')],
      packages: new Map([
        ['packages/logger', 'e'.repeat(64)],
        ['apps/api', 'd'.repeat(64)],
      ]),
    });
    expect(computeInputsDigest(reordered)).toBe(digest);
  });

  // Tags made from {digest} name images in registries: the recipe may only change together
  // with its version string, which changes every digest on purpose. (Checked against an
  // independent implementation of the recipe documented in compute-inputs-digest.ts.)
  it('gives the same digest as every earlier run for the same inputs', () => {
    expect(computeInputsDigest(digestInputs())).toBe(
      'sha256:e54ac1e45ef1908b69d233e765e6e8a143c5c0e2c055bb110dfae9dfec64fcbb',
    );
  });

  it.each<[string, Partial<DigestInputs>]>([
    ['another base image', { baseImage: 'node:24.22.0-bookworm-slim' }],
    [
      'another build argument value',
      { buildArgs: { NODE_ENV: 'development', API_URL: 'https://api.example' } },
    ],
    [
      'a renamed build argument',
      { buildArgs: { NODE_ENV: 'production', API_URI: 'https://api.example' } },
    ],
    ['other Dockerfile stages', { dockerfileStages: 'FROM node AS base\nFROM base AS api\nRUN x' }],
    ['another lockfile slice', { lockfileSlice: 'f'.repeat(64) }],
    [
      'an edited root file',
      {
        rootFiles: [
          aFile('package.json', 'f'.repeat(64)),
          aFile('pnpm-workspace.yaml', 'c'.repeat(64)),
        ],
      },
    ],
    [
      'an executable root file',
      {
        rootFiles: [
          aFile('package.json', 'a'.repeat(64), true),
          aFile('pnpm-workspace.yaml', 'c'.repeat(64)),
        ],
      },
    ],
    [
      'an edited package',
      {
        packages: new Map([
          ['apps/api', 'd'.repeat(64)],
          ['packages/logger', 'f'.repeat(64)],
        ]),
      },
    ],
    [
      'a moved package',
      {
        packages: new Map([
          ['apps/api', 'd'.repeat(64)],
          ['packages/log', 'e'.repeat(64)],
        ]),
      },
    ],
    ['a package fewer', { packages: new Map([['apps/api', 'd'.repeat(64)]]) }],
  ])('changes with %s', (_, change) => {
    expect(computeInputsDigest(digestInputs(change))).not.toBe(computeInputsDigest(digestInputs()));
  });

  it('keeps field boundaries: moving text from one field to the next changes the digest', () => {
    const a = digestInputs({ baseImage: 'node:24', dockerfileStages: 'FROM x' });
    const b = digestInputs({ baseImage: 'node:2', dockerfileStages: '4FROM x' });
    expect(computeInputsDigest(a)).not.toBe(computeInputsDigest(b));
  });
});

describe('digestFiles', () => {
  it('hashes paths, modes and contents in path order', () => {
    const files = [aFile('src/b.ts'), aFile('src/a.ts', 'f'.repeat(64))];
    expect(digestFiles(files)).toBe(digestFiles([...files].reverse()));
    expect(digestFiles(files)).toMatch(/^[a-f0-9]{64}$/);
  });

  it('changes when a file is renamed, made executable or edited', () => {
    const before = digestFiles([aFile('run.sh')]);
    expect(digestFiles([aFile('start.sh')])).not.toBe(before);
    expect(digestFiles([aFile('run.sh', 'a'.repeat(64), true)])).not.toBe(before);
    expect(digestFiles([aFile('run.sh', 'f'.repeat(64))])).not.toBe(before);
  });
});

describe('shortDigest', () => {
  it('keeps the first 16 hex digits, without the algorithm', () => {
    expect(shortDigest(`sha256:0123456789abcdef${'0'.repeat(48)}`)).toBe('0123456789abcdef');
  });
});
