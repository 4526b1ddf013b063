import { describe, expect, it } from 'vitest';
import { matchDirPattern } from '../src/index.js';

describe('matchDirPattern', () => {
  it.each([
    ['apps/api', 'apps/*'],
    ['apps/api', './apps/*/'],
    ['services/billing/api', 'services/**'],
    ['services/billing/api', 'services/**/api'],
    ['apps/api2', 'apps/api?'],
    ['tools/web.app', 'tools/web.app'],
  ])('matches %s with %s', (dir, pattern) => {
    expect(matchDirPattern(dir, pattern)).toBe(true);
  });

  it.each([
    ['apps/api/plugins', 'apps/*', '"*" is one path segment'],
    ['apps', 'apps/*', 'the parent is not below itself'],
    ['legacy/apps/api', 'apps/*', 'patterns are anchored at the root'],
    ['apps/api/x', 'apps/api?', '"?" is one character, not a slash'],
    ['apps/api/sub', 'apps/api?sub', '"?" never matches a slash'],
    ['tools/webxapp', 'tools/web.app', '"." is literal'],
    ['apps/(api)', 'apps/(api|web)', 'regular-expression syntax is literal'],
  ])('does not match %s with %s: %s', (dir, pattern) => {
    expect(matchDirPattern(dir, pattern)).toBe(false);
  });
});
