import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { withoutBom } from './without-bom.js';
import { BuildImagesError, parseToolConfig, type ToolConfig } from '@build-images/core';

export const toolConfigFile = 'build-images.config.json';

/**
 * Reads the tool's configuration: build-images.config.json at the workspace root, or the
 * "buildImages" field of the root package.json (not both). Invalid JSON and invalid fields
 * are one error that names the file and every field.
 */
export async function readToolConfig(root: string): Promise<{ config: ToolConfig; file: string }> {
  const fromFile = await readFile(path.join(root, toolConfigFile), 'utf8').then(
    withoutBom,
    () => undefined,
  );
  const manifestText = await readFile(path.join(root, 'package.json'), 'utf8').then(
    withoutBom,
    () => '{}',
  );
  let fromManifest: unknown;
  try {
    fromManifest = (JSON.parse(manifestText) as { buildImages?: unknown }).buildImages;
  } catch {
    fromManifest = undefined; // readWorkspace reports an invalid root manifest.
  }
  if (fromFile !== undefined && fromManifest !== undefined) {
    throw new BuildImagesError(
      'CONFIG_INVALID',
      `Both ${toolConfigFile} and "buildImages" in package.json configure build-images`,
      {
        hint: `Keep one of them (${toolConfigFile} is the one editors complete through its JSON schema).`,
      },
    );
  }
  let raw: unknown = fromManifest;
  let file = 'package.json: buildImages';
  if (fromFile !== undefined) {
    file = toolConfigFile;
    try {
      raw = JSON.parse(fromFile);
    } catch (error) {
      throw new BuildImagesError(
        'CONFIG_INVALID',
        `${toolConfigFile} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
        {
          hint: 'Fix the JSON at the position named above.',
          cause: error,
        },
      );
    }
  }
  const { config, problems } = parseToolConfig(raw, file);
  if (problems.length > 0) {
    throw new BuildImagesError(
      'CONFIG_INVALID',
      `The build-images configuration has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}`,
      {
        details: problems,
        hint: `See the README ("Configuration") or the JSON schema ${'build-images/schema/build-images.config.schema.json'}.`,
      },
    );
  }
  return { config, file };
}
