import { BuildImagesError } from './build-images-error.js';
import { isValidImageReference } from './image-name.js';

/** Values a tag template may use; `{name}` is replaced by `values[name]`. */
export type TagValues = Readonly<Record<string, string>>;

/** Renders `template` for one app; unknown placeholders are errors that list the known ones. */
export function renderTag(template: string, values: TagValues): string {
  return template.replace(/\{([^{}]*)\}/g, (placeholder, name: string) => {
    const value = values[name];
    if (value === undefined) {
      throw new BuildImagesError(
        'USAGE',
        `Tag template "${template}" uses ${placeholder}, which is not a known value`,
        {
          hint: `Known values: ${Object.keys(values)
            .map((key) => `{${key}}`)
            .join(', ')}.`,
        },
      );
    }
    return value;
  });
}

/** Renders and validates every app's tags; every invalid tag is reported, with the rule. */
export function renderAppTags(
  templates: readonly string[],
  appValues: ReadonlyMap<string, TagValues>,
): Map<string, string[]> {
  const tags = new Map<string, string[]>();
  const problems: string[] = [];
  for (const [app, values] of appValues) {
    const rendered = templates.map((template) => renderTag(template, values));
    for (const tag of rendered) {
      if (!isValidImageReference(tag)) {
        problems.push(
          `tag "${tag}" for app "${app}" is not a valid image reference: a lower-case name of [a-z0-9] separated by ".", "_", "__" or "-", and a tag of at most 128 [A-Za-z0-9_.-] not starting with "." or "-"`,
        );
      }
    }
    tags.set(app, [...new Set(rendered)]);
  }
  if (problems.length > 0) {
    throw new BuildImagesError(
      'USAGE',
      `${problems.length === 1 ? 'A tag is' : `${problems.length} tags are`} not valid`,
      {
        details: problems,
        hint: 'Fix --tag (or the tag template in the config).',
      },
    );
  }
  return tags;
}
