import { BuildImagesError } from './build-images-error.js';
import { analyseImageReference } from './image-name.js';

/** Values a tag template may use; `{name}` is replaced by `values[name]`. */
export type TagValues = Readonly<Record<string, string>>;

/** Every placeholder a tag template may use, and when it has no value. */
export const tagPlaceholders: Readonly<Record<string, string>> = {
  app: 'the image name',
  digest: 'the inputs digest, of the images selected for this run',
  version: 'the "version" of the app\'s package.json, when it has one',
  sha: 'the commit, in a git checkout with a commit',
  shortSha: 'the commit (7 digits), in a git checkout with a commit',
  branch: 'the branch ("detached" without one)',
  date: 'the commit date (YYYYMMDD), in a git checkout with a commit',
};

const allPlaceholders = Object.keys(tagPlaceholders)
  .map((key) => `{${key}}`)
  .join(', ');

/**
 * Renders `template` for one app. An unknown placeholder is an error that lists every known
 * one; a known one without a value here says when it has one.
 */
export function renderTag(template: string, values: TagValues): string {
  return template.replace(/\{([^{}]*)\}/g, (placeholder, name: string) => {
    const value = values[name];
    if (value !== undefined) return value;
    const meaning = Object.hasOwn(tagPlaceholders, name) ? tagPlaceholders[name] : undefined;
    throw new BuildImagesError(
      'USAGE',
      meaning === undefined
        ? `Tag template "${template}" uses ${placeholder}, which is not a known value`
        : `Tag template "${template}" uses ${placeholder}, which has no value${values['app'] ? ` for app "${values['app']}"` : ''}: it is ${meaning}`,
      {
        hint:
          meaning === undefined
            ? `Known values: ${allPlaceholders}.`
            : `Use another value (known: ${allPlaceholders}), or give the app what ${placeholder} needs.`,
      },
    );
  });
}

/**
 * Renders and validates every app's tags; every invalid tag is reported with the reason.
 * When the app's own image name is what makes a tag invalid (too long, say), the message names
 * the package it comes from (`packages`: image name → `@acme/api (apps/api/package.json)`).
 */
export function renderAppTags(
  templates: readonly string[],
  appValues: ReadonlyMap<string, TagValues>,
  packages: ReadonlyMap<string, string> = new Map(),
): Map<string, string[]> {
  const tags = new Map<string, string[]>();
  const problems: string[] = [];
  let fromPackage = false;
  for (const [app, values] of appValues) {
    const rendered = templates.map((template) => renderTag(template, values));
    rendered.forEach((tag, index) => {
      const result = analyseImageReference(tag);
      const problem =
        'problem' in result
          ? result.problem
          : result.digest !== undefined
            ? 'a tag cannot pin a digest'
            : undefined;
      if (problem === undefined) return;
      // The same template with a short valid name in place of the app's: valid means the name is the cause.
      const withShortName = analyseImageReference(
        renderTag(templates[index]!, { ...values, app: 'a' }),
      );
      const owner = packages.get(app);
      if (!('problem' in withShortName) && owner !== undefined) {
        fromPackage = true;
        problems.push(
          `tag "${tag}" for app "${app}" is not valid: ${problem}; the name "${app}" comes from the package ${owner}`,
        );
      } else problems.push(`tag "${tag}" for app "${app}" is not valid: ${problem}`);
    });
    tags.set(app, [...new Set(rendered)]);
  }
  if (problems.length > 0) {
    throw new BuildImagesError(
      'USAGE',
      `${problems.length === 1 ? 'A tag is' : `${problems.length} tags are`} not valid`,
      {
        details: problems,
        hint: fromPackage
          ? 'Rename the package (its image name is its name without the scope), leave it out with "buildImages": { "app": false }, or shorten the rest of --tag.'
          : 'Fix --tag (or the tag template in the config).',
      },
    );
  }
  return tags;
}
