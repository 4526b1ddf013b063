import { describe, expect, it } from 'vitest';
import { BuildImagesError, parseShard, shardApps } from '../src/index.js';

const apps = ['web', 'api', 'worker', 'admin', 'billing', 'cron', 'mailer'];

describe('shardApps', () => {
  it('deals the apps, sorted by name, round-robin', () => {
    expect(shardApps(apps, { index: 1, total: 3 })).toEqual(['admin', 'cron', 'worker']);
    expect(shardApps(apps, { index: 2, total: 3 })).toEqual(['api', 'mailer']);
    expect(shardApps(apps, { index: 3, total: 3 })).toEqual(['billing', 'web']);
  });

  it('puts every app in exactly one shard, and the shards differ in size by at most one', () => {
    for (let total = 1; total <= apps.length + 2; total++) {
      const shards = Array.from({ length: total }, (_, i) =>
        shardApps(apps, { index: i + 1, total }),
      );
      expect(shards.flat().sort()).toEqual([...apps].sort());
      const sizes = shards.map((shard) => shard.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
  });

  it('gives the same shard whatever order the apps came in', () => {
    expect(shardApps([...apps].reverse(), { index: 2, total: 3 })).toEqual(
      shardApps(apps, { index: 2, total: 3 }),
    );
  });

  it('leaves the input list as it was', () => {
    const input = [...apps];
    shardApps(input, { index: 1, total: 2 });
    expect(input).toEqual(apps);
  });
});

describe('parseShard', () => {
  it.each([
    ['1/1', { index: 1, total: 1 }],
    ['2/3', { index: 2, total: 3 }],
    [' 3/3 ', { index: 3, total: 3 }],
  ])('reads %j', (text, shard) => {
    expect(parseShard(text)).toEqual(shard);
  });

  it.each(['0/3', '4/3', '1/0', '1', 'a/b', '-1/3', '1/3/5', '1.5/3'])(
    'rejects %j as a usage error with an example',
    (text) => {
      let caught: unknown;
      try {
        parseShard(text);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(BuildImagesError);
      expect(caught).toMatchObject({
        code: 'USAGE',
        message: `--shard "${text}" is not of the form i/n with 1 ≤ i ≤ n`,
        hint: expect.stringContaining('--shard 2/3'),
      });
    },
  );
});
