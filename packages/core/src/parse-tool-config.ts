import { isRootFileList, nearest } from './parse-app-config.js';

/** The options a workspace may set in build-images.config.json (or "buildImages" of its root package.json). */
export interface ToolConfig {
  apps?: string[];
  tags?: string[];
  registry?: string;
  globalInputs?: string[];
  baseImage?: string;
  bundleImage?: string;
  concurrency?: number;
  parallelSteps?: number;
  dockerfile?: string;
  combined?: unknown;
  buildInputs?: string[];
}

type FieldType = 'string' | 'string[]' | 'integer' | 'combined' | 'files';

/**
 * One table for the config: parsing, the README and the published JSON schema are all made
 * from it, so they cannot disagree.
 */
export const toolConfigFields: Record<
  keyof ToolConfig,
  { type: FieldType; description: string; default?: unknown }
> = {
  apps: {
    type: 'string[]',
    description:
      'Globs of the app directories (like --apps); without it the deployable packages are detected.',
  },
  tags: {
    type: 'string[]',
    description:
      'Tag templates (like --tag): {app}, {digest}, {version}, {sha}, {shortSha}, {branch}, {date}.',
    default: ['{app}:latest'],
  },
  registry: {
    type: 'string',
    description: 'Registry and path every tag goes under (like --registry), e.g. ghcr.io/acme.',
  },
  globalInputs: {
    type: 'string[]',
    description: 'More files or globs whose change affects every app (like --global-input).',
    default: [],
  },
  baseImage: {
    type: 'string',
    description:
      'Base image for the node stages (the NODE_IMAGE build argument; like --base-image).',
  },
  bundleImage: {
    type: 'string',
    description:
      'Runtime base of bundle apps (the BUNDLE_IMAGE build argument; like --bundle-image).',
  },
  concurrency: { type: 'integer', description: 'Builds at once (like --concurrency).' },
  parallelSteps: {
    type: 'integer',
    description:
      'Install and compile steps the engine runs at once across all builds, a bound on memory: each waits for one of this many slots (BuildKit otherwise runs every independent stage at once).',
    default: 4,
  },
  dockerfile: {
    type: 'string',
    description: 'Where the generated Dockerfile lives (like --dockerfile).',
    default: 'docker/Dockerfile',
  },
  combined: {
    type: 'combined',
    description:
      'Images that run several node apps under a supervisor: [{ "name": "all", "apps": ["api", "worker"] }].',
    default: [],
  },
  buildInputs: {
    type: 'files',
    description:
      "Files outside the workspace packages that every app's build reads (root-relative, e.g. .configs/tsconfig.base.json): copied into the build stages, part of each image's identity. Root tsconfigs that packages extend are found without it; an app adds its own in buildImages.buildInputs.",
    default: [],
  },
};

/** Parses and validates a config object; every problem names the file and the field. */
export function parseToolConfig(
  raw: unknown,
  file: string,
): { config: ToolConfig; problems: string[] } {
  const problems: string[] = [];
  const config: ToolConfig = {};
  if (raw === undefined) return { config, problems };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { config, problems: [`${file} must hold an object`] };
  const known = Object.keys(toolConfigFields);
  for (const [key, value] of Object.entries(raw)) {
    if (key === '$schema') continue;
    const field = toolConfigFields[key as keyof ToolConfig];
    if (field === undefined) {
      const suggestion = nearest(key, known);
      problems.push(
        `${file}: "${key}" is not a known option${suggestion ? ` (did you mean "${suggestion}"?)` : ''} (known: ${known.join(', ')})`,
      );
      continue;
    }
    const valid =
      field.type === 'string'
        ? typeof value === 'string' && value !== ''
        : field.type === 'string[]'
          ? Array.isArray(value) && value.every((item) => typeof item === 'string' && item !== '')
          : field.type === 'integer'
            ? typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 64
            : field.type === 'files'
              ? isRootFileList(value)
              : true;
    if (!valid) {
      const expected = {
        string: 'a non-empty string',
        'string[]': 'a list of non-empty strings',
        integer: 'a whole number from 1 to 64',
        combined: 'a list',
        files: 'a list of files relative to the workspace root (no "..", no globs)',
      }[field.type];
      problems.push(`${file}: "${key}" must be ${expected}, got ${JSON.stringify(value)}`);
      continue;
    }
    (config as Record<string, unknown>)[key] = value;
  }
  return { config, problems };
}

/** The JSON schema of build-images.config.json, for editors. */
export function toolConfigSchema(): object {
  const property = (type: FieldType): object => {
    switch (type) {
      case 'string':
        return { type: 'string', minLength: 1 };
      case 'string[]':
        return { type: 'array', items: { type: 'string', minLength: 1 } };
      case 'files':
        return {
          type: 'array',
          items: { type: 'string', pattern: '^(?!/)(?!.*(?:^|/)\\.\\.(?:/|$))[\\w@.+/-]+$' },
        };
      case 'integer':
        return { type: 'integer', minimum: 1, maximum: 64 };
      case 'combined':
        return {
          type: 'array',
          items: {
            type: 'object',
            required: ['name', 'apps'],
            additionalProperties: false,
            properties: {
              name: { type: 'string', pattern: '^[a-z0-9]+(?:[._-][a-z0-9]+)*$' },
              apps: { type: 'array', minItems: 2, items: { type: 'string' } },
            },
          },
        };
    }
  };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'build-images configuration',
    type: 'object',
    additionalProperties: false,
    properties: {
      $schema: { type: 'string' },
      ...Object.fromEntries(
        Object.entries(toolConfigFields).map(([key, field]) => [
          key,
          {
            description: field.description,
            ...property(field.type),
            ...(field.default === undefined ? {} : { default: field.default }),
          },
        ]),
      ),
    },
  };
}
