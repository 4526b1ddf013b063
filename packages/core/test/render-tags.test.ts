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
    expect(error.hint).toBe(
      'Known values: {app}, {digest}, {version}, {sha}, {shortSha}, {branch}, {date}.',
    );
  });

  it('says when a known placeholder has a value, for one it has none for', () => {
    const error = thrown(() => renderTag('{app}:{version}', { app: 'api' }));
    expect(error.message).toBe(
      'Tag template "{app}:{version}" uses {version}, which has no value for app "api": it is the "version" of the app\'s package.json, when it has one',
    );
    expect(error.hint).toContain('{sha}, {shortSha}, {branch}, {date}');
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
    expect(error.details).toEqual([
      'tag "api:feature/login" for app "api" is not valid: the tag "feature/login" contains "/"; a tag may only contain letters, digits, "_", "." and "-" (replace "/" with "-")',
      'tag "worker:-wip" for app "worker" is not valid: the tag "-wip" starts with "-"; a tag must start with a letter, a digit or "_"',
    ]);
    expect(error.hint).toBe('Fix --tag (or the tag template in the config).');
  });

  it('rejects an upper-case repository name', () => {
    const error = thrown(() => renderAppTags(['Acme/{app}'], new Map([['api', apiValues]])));
    expect(error.message).toBe('A tag is not valid');
    expect(error.details[0]).toContain('has upper-case letters');
  });

  it('names the package when its image name is what makes the tag invalid, and says too long', () => {
    const long = 'a'.repeat(300);
    const packages = new Map([[long, `@acme/${long} (apps/long/package.json)`]]);
    const error = thrown(() =>
      renderAppTags(
        ['ghcr.io/acme/{app}:1'],
        new Map([[long, { ...apiValues, app: long }]]),
        packages,
      ),
    );
    expect(error.details[0]).toContain('the name is 313 characters long; at most 255 are allowed');
    expect(error.details[0]).toContain(
      `comes from the package @acme/${long} (apps/long/package.json)`,
    );
    expect(error.hint).toMatch(/^Rename the package/);
    // A template that is invalid whatever the name blames the template.
    const template = thrown(() =>
      renderAppTags(['{app}:-x'], new Map([['api', apiValues]]), new Map([['api', '@acme/api']])),
    );
    expect(template.details[0]).not.toContain('comes from the package');
    expect(template.hint).toBe('Fix --tag (or the tag template in the config).');
  });
});
