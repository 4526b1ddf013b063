import { describe, expect, it } from 'vitest';
import {
  describeTagProblem,
  formatImageReference,
  isBuildImagesError,
  isValidImageReference,
  parseImageReference,
} from '../src/index.js';

describe('parseImageReference', () => {
  it.each([
    ['node', { registry: 'docker.io', repository: 'library/node', tag: 'latest', name: 'node' }],
    ['node:24', { registry: 'docker.io', repository: 'library/node', tag: '24', name: 'node' }],
    [
      'acme/api:1.2',
      { registry: 'docker.io', repository: 'acme/api', tag: '1.2', name: 'acme/api' },
    ],
    [
      'docker.io/library/node:24',
      { registry: 'docker.io', repository: 'library/node', tag: '24', name: 'node' },
    ],
    [
      'index.docker.io/acme/api',
      { registry: 'docker.io', repository: 'acme/api', tag: 'latest', name: 'acme/api' },
    ],
    [
      'ghcr.io/acme/tools/api:v1',
      {
        registry: 'ghcr.io',
        repository: 'acme/tools/api',
        tag: 'v1',
        name: 'ghcr.io/acme/tools/api',
      },
    ],
    [
      '127.0.0.1:5000/t/base:x',
      { registry: '127.0.0.1:5000', repository: 't/base', tag: 'x', name: '127.0.0.1:5000/t/base' },
    ],
    [
      'localhost/api',
      { registry: 'localhost', repository: 'api', tag: 'latest', name: 'localhost/api' },
    ],
    [
      '[::1]:5000/api:_x',
      { registry: '[::1]:5000', repository: 'api', tag: '_x', name: '[::1]:5000/api' },
    ],
  ])('parses %s', (ref, expected) => {
    expect(parseImageReference(ref)).toEqual(expected);
  });

  it('keeps a digest and gives no tag to name@digest', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(parseImageReference(`node@${digest}`)).toEqual({
      registry: 'docker.io',
      repository: 'library/node',
      digest,
      name: 'node',
    });
    expect(parseImageReference(`node:24@${digest}`)).toMatchObject({ tag: '24', digest });
  });

  const longTag = 'a'.repeat(129);
  it.each([
    [
      'Acme/api:1',
      'the repository name "Acme/api" has upper-case letters; repository names must be lower-case',
    ],
    ['ghcr.io/Acme/api', 'the repository name "Acme/api" has upper-case letters'],
    ['api:feature/login', 'the tag "feature/login" contains "/"'],
    ['127.0.0.1:5000/api:feature/login', 'the tag "feature/login" contains "/"'],
    [`api:${longTag}`, 'the tag is 129 characters long; at most 128 are allowed'],
    [
      'api:.hidden',
      'the tag ".hidden" starts with "."; a tag must start with a letter, a digit or "_"',
    ],
    ['api:-rc1', 'the tag "-rc1" starts with "-"'],
    ['api:', 'the tag after ":" is empty'],
    ['api:a+b', 'the tag "a+b" contains "+"'],
    ['acme//api', 'has an empty path component'],
    ['acme/-api', '"-api" is not a valid path component'],
    ['', 'it is empty'],
    ['api@sha256:abc', 'is not "algorithm:hex"'],
  ])('rejects %s, saying why', (ref, problem) => {
    let caught: unknown;
    try {
      parseImageReference(ref);
    } catch (error) {
      caught = error;
    }
    expect(isBuildImagesError(caught) && caught.code).toBe('IMAGE_REFERENCE_INVALID');
    expect((caught as Error).message).toContain(`Invalid image reference "${ref}": `);
    expect((caught as Error).message).toContain(problem);
    expect(isValidImageReference(ref)).toBe(false);
  });

  it('accepts a tag of exactly 128 characters', () => {
    expect(parseImageReference(`api:${'a'.repeat(128)}`).tag).toHaveLength(128);
  });

  it('keeps isValidImageReference for build tags: name[:tag] without a digest', () => {
    expect(isValidImageReference('127.0.0.1:5000/t/api:1')).toBe(true);
    expect(isValidImageReference(`api@sha256:${'a'.repeat(64)}`)).toBe(false);
  });
});

describe('formatImageReference', () => {
  const digest = `sha256:${'a'.repeat(64)}`;

  it.each(['node:24', 'ghcr.io/acme/api:1', `node@${digest}`, `node:24@${digest}`])(
    'writes %s back as docker shows it',
    (ref) => {
      expect(formatImageReference(parseImageReference(ref))).toBe(ref);
    },
  );

  it('drops what docker leaves out: docker.io, library/ and the registry alias', () => {
    expect(formatImageReference(parseImageReference('docker.io/library/node:24'))).toBe('node:24');
    expect(formatImageReference(parseImageReference('index.docker.io/acme/api'))).toBe(
      'acme/api:latest',
    );
  });
});

describe('describeTagProblem', () => {
  it.each(['latest', '1.2.3', '_x', 'a'.repeat(128), 'v1-rc.2_b'])(
    'finds no problem in %s',
    (tag) => {
      expect(describeTagProblem(tag)).toBeUndefined();
    },
  );
});
