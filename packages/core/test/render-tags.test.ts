import { describe, expect, it } from 'vitest';
import { BuildImagesError, renderAppTags, renderTag } from '../src/index.js';

function thrown(fn: () => unknown): BuildImagesError {
  try {
    fn();
  } catch (error) {
    if (error instanceof BuildImagesError) return error;
    throw error;
  }
  throw new Error('expected a BuildImagesError');
}

const apiValues = { app: 'api', version: '1.2.0', shortSha: 'abc1234', branch: 'main' };

describe('renderTag', () => {
  it('replaces every placeholder by its value', () => {
    expect(renderTag('ghcr.io/acme/{app}:{version}-{shortSha}', apiValues)).toBe(
      'ghcr.io/acme/api:1.2.0-abc1234',
    );
  });

  it('leaves a template without placeholders as it is', () => {
    expect(renderTag('acme/api:stable', apiValues)).toBe('acme/api:stable');
  });

  it('rejects an unknown placeholder and lists the known ones', () => {
    const error = thrown(() => renderTag('{app}:{digset}', apiValues));
    expect(error.code).toBe('USAGE');
    expect(error.message).toBe(
      'Tag template "{app}:{digset}" uses {digset}, which is not a known value',
    );
    expect(error.hint).toBe('Known values: {app}, {version}, {shortSha}, {branch}.');
  });
});

describe('renderAppTags', () => {
  it("renders every template for every app with the app's own values", () => {
    const tags = renderAppTags(
      ['{app}:latest', '{app}:{version}'],
      new Map([
        ['api', apiValues],
        ['worker', { ...apiValues, app: 'worker', version: '0.9.1' }],
      ]),
    );
    expect(tags).toEqual(
      new Map([
        ['api', ['api:latest', 'api:1.2.0']],
        ['worker', ['worker:latest', 'worker:0.9.1']],
      ]),
    );
  });

  it('gives a tag once when two templates render the same', () => {
    const tags = renderAppTags(['{app}:{branch}', '{app}:main'], new Map([['api', apiValues]]));
    expect(tags.get('api')).toEqual(['api:main']);
  });

  it('accepts a registry with a port', () => {
    const tags = renderAppTags(['127.0.0.1:5000/t/{app}:1'], new Map([['api', apiValues]]));
    expect(tags.get('api')).toEqual(['127.0.0.1:5000/t/api:1']);
  });

  it('reports every invalid tag of every app at once', () => {
    const error = thrown(() =>
      renderAppTags(
        ['{app}:{branch}'],
        new Map([
          ['api', { ...apiValues, branch: 'feature/login' }],
          ['worker', { ...apiValues, app: 'worker', branch: '-wip' }],
          ['web', { ...apiValues, app: 'web' }],
        ]),
      ),
    );
    expect(error.code).toBe('USAGE');
    expect(error.message).toBe('2 tags are not valid');
    expect(error.details).toHaveLength(2);
    expect(error.details[0]).toMatch(/^tag "api:feature\/login" for app "api" is not a valid/);
    expect(error.details[1]).toMatch(/^tag "worker:-wip" for app "worker" is not a valid/);
  });

  it('rejects an upper-case repository name', () => {
    const error = thrown(() => renderAppTags(['Acme/{app}'], new Map([['api', apiValues]])));
    expect(error.message).toBe('A tag is not valid');
  });
});
