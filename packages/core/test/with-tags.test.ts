import { describe, expect, it } from 'vitest';
import { imageMembers, withTags } from '../src/index.js';
import { aCombinedImage, aPlan, anApp } from './builders.js';

const plan = aPlan([anApp('api'), anApp('worker', { tags: ['worker:old'] })], {
  combined: [aCombinedImage('all', ['api', 'worker'])],
});

describe('withTags', () => {
  it('sets the tags of apps and combined images by name', () => {
    const tagged = withTags(
      plan,
      new Map([
        ['api', ['ghcr.io/acme/api:1.0.0', 'ghcr.io/acme/api:latest']],
        ['all', ['ghcr.io/acme/all:latest']],
      ]),
    );
    expect(tagged.apps.map((app) => [app.name, app.tags])).toEqual([
      ['api', ['ghcr.io/acme/api:1.0.0', 'ghcr.io/acme/api:latest']],
      ['worker', ['worker:old']],
    ]);
    expect(tagged.combined[0]!.tags).toEqual(['ghcr.io/acme/all:latest']);
  });

  it('returns a new plan and leaves the given one as it was', () => {
    const before = structuredClone(plan);
    const tagged = withTags(plan, new Map([['api', ['api:new']]]));
    expect(plan).toEqual(before);
    expect(tagged).not.toBe(plan);
    expect({ ...tagged, apps: plan.apps }).toEqual(plan);
  });
});

describe('imageMembers', () => {
  it('gives an app for its own name', () => {
    expect(imageMembers(plan, 'worker').map((app) => app.name)).toEqual(['worker']);
  });

  it("gives a combined image's apps in its order", () => {
    expect(imageMembers(plan, 'all').map((app) => app.name)).toEqual(['api', 'worker']);
  });

  it('throws for an unknown name (a bug of the caller, not of the user)', () => {
    expect(() => imageMembers(plan, 'nope')).toThrow(
      'imageMembers: nope is neither an app nor a combined image',
    );
  });
});
