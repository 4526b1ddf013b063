import path from 'node:path';
import type { PackageFacts } from '@build-images/core';
import { createFileReader, type FileReader } from './create-file-reader.js';

/**
 * Reads what tells a person what a package is and how it runs: Dockerfiles beside its
 * manifest and Nest's nest-cli.json. Unreadable or invalid
 * files are simply not facts (the build reports them later, if they matter).
 */
export function readPackageFacts(
  packageDir: string,
  manifest: Record<string, unknown> = {},
  reader: FileReader = createFileReader(),
): PackageFacts {
  const names = [...(reader.list(packageDir) ?? [])];
  const facts: PackageFacts = {
    dockerfiles: names
      .filter((name) => /^(Dockerfile|Containerfile)(\..+)?$|\.Dockerfile$/.test(name))
      .sort(),
  };
  if (names.includes('binding.gyp')) facts.nativeAddon = true;
  if (names.includes('nest-cli.json')) {
    const nest = reader.jsonc(path.join(packageDir, 'nest-cli.json'));
    const entry = nest?.['entryFile'];
    facts.nestEntry = typeof entry === 'string' && entry !== '' ? entry : 'main';
  }
  // A hand-written Dockerfile says what port the app serves and how its health is probed.
  for (const name of facts.dockerfiles) {
    const text = reader.text(path.join(packageDir, name)) ?? '';
    const expose = /^\s*EXPOSE\s+(\d{1,5})(?:\/tcp)?\b/im.exec(text);
    if (!expose) continue;
    facts.dockerfilePort = { file: name, port: Number(expose[1]) };
    const probe =
      /^\s*HEALTHCHECK\b[^\n]*?(?:localhost|127\.0\.0\.1):(\d{1,5})(\/[^\s'"\\)]*)/im.exec(
        text.replace(/\\\r?\n/g, ' '),
      );
    if (probe && Number(probe[1]) === facts.dockerfilePort.port)
      facts.dockerfileHealthPath = probe[2];
    break;
  }
  const configured = (manifest['prisma'] as { schema?: unknown } | undefined)?.schema;
  if (typeof configured === 'string') facts.prismaSchema = configured;
  else if (names.includes('schema.prisma')) facts.prismaSchema = 'schema.prisma';
  else if (
    names.includes('prisma') &&
    reader.list(path.join(packageDir, 'prisma'))?.has('schema.prisma') === true
  )
    facts.prismaSchema = 'prisma/schema.prisma';
  return facts;
}
