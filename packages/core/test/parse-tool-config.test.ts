import { describe, expect, it } from 'vitest';
import { parseToolConfig, toolConfigFields, toolConfigSchema } from '../src/index.js';

const file = 'build-images.config.json';

describe('parseToolConfig', () => {
  it('gives an empty config for a missing one', () => {
    expect(parseToolConfig(undefined, file)).toEqual({ config: {}, problems: [] });
  });

  it('keeps every valid field as it is', () => {
    const raw = {
      $schema: './node_modules/build-images/schema/config.json',
      apps: ['apps/*', 'services/**'],
      tags: ['{app}:{digest}'],
      registry: 'ghcr.io/acme',
      globalInputs: ['patches/*'],
      baseImage: 'node:24-slim',
      bundleImage: 'gcr.io/distroless/nodejs24',
      concurrency: 4,
      parallelSteps: 6,
      dockerfile: 'Dockerfile',
      combined: [{ name: 'all', apps: ['api', 'worker'] }],
    };
    const { $schema: _, ...expected } = raw;
    expect(parseToolConfig(raw, file)).toEqual({ config: expected, problems: [] });
  });

  it.each([null, [], 'apps/*', 3])('rejects %j as a whole', (raw) => {
    expect(parseToolConfig(raw, file)).toEqual({
      config: {},
      problems: [`${file} must hold an object`],
    });
  });

  it('suggests the option a misspelt key was meant to be', () => {
    const { config, problems } = parseToolConfig({ concurency: 2, tags: ['x'] }, file);
    expect(config).toEqual({ tags: ['x'] });
    expect(problems).toEqual([
      `${file}: "concurency" is not a known option (did you mean "concurrency"?) (known: ${Object.keys(toolConfigFields).join(', ')})`,
    ]);
  });

  it('makes no suggestion for a key far from every option', () => {
    const { problems } = parseToolConfig({ somethingElse: true }, file);
    expect(problems[0]).toMatch(/"somethingElse" is not a known option \(known: /);
  });

  it.each([
    ['registry', '', 'a non-empty string'],
    ['registry', 42, 'a non-empty string'],
    ['apps', 'apps/*', 'a list of non-empty strings'],
    ['tags', ['{app}', ''], 'a list of non-empty strings'],
    ['concurrency', 0, 'a whole number from 1 to 64'],
    ['concurrency', 65, 'a whole number from 1 to 64'],
    ['concurrency', 1.5, 'a whole number from 1 to 64'],
    ['concurrency', '2', 'a whole number from 1 to 64'],
    ['parallelSteps', 0, 'a whole number from 1 to 64'],
  ])('rejects %s: %j, naming the file, the field and what it must be', (key, value, expected) => {
    const { config, problems } = parseToolConfig({ [key]: value }, file);
    expect(config).toEqual({});
    expect(problems).toEqual([
      `${file}: "${key}" must be ${expected}, got ${JSON.stringify(value)}`,
    ]);
  });

  it('reports every problem, not only the first', () => {
    const { problems } = parseToolConfig({ concurrency: 0, registry: '', colour: 'red' }, file);
    expect(problems).toHaveLength(3);
  });

  it('names the file it was given, e.g. the root manifest', () => {
    const { problems } = parseToolConfig({ concurrency: 0 }, 'package.json#buildImages');
    expect(problems[0]).toMatch(/^package\.json#buildImages: "concurrency"/);
  });
});

describe('toolConfigSchema', () => {
  it('describes exactly the options the parser knows, and no others', () => {
    const schema = toolConfigSchema() as {
      additionalProperties: boolean;
      properties: Record<string, { default?: unknown }>;
    };
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties).sort()).toEqual(
      ['$schema', ...Object.keys(toolConfigFields)].sort(),
    );
    expect(schema.properties['apps']!.default).toBeUndefined();
  });
});
