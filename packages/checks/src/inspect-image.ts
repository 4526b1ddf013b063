import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type Dockerode from 'dockerode';
import { extract } from 'tar-stream';

export interface ImageFinding {
  rule: string;
  message: string;
  /** The file concerned, as an absolute path in the image. */
  path?: string;
}

export interface ImageExpectations {
  /** Whether the image must have a HEALTHCHECK (it must not have one otherwise). */
  healthcheck: boolean;
  /** The app's directory in the image, e.g. `/app`. */
  appDir: string;
  /**
   * The image it is built FROM. When given, the file checks (setuid/setgid, app tree, pnpm store)
   * only look at the layers after those the two images share (their RootFS diff ids); otherwise
   * at every layer.
   */
  baseImage?: string;
}

/** The rules, by id: dockle's id where dockle has the check, `BI1…` for ours. */
export const imageRules = {
  'CIS-DI-0001': 'The image runs as a user that is not root (Config.User not empty, root or 0).',
  'CIS-DI-0006': 'The image has a HEALTHCHECK exactly when it serves HTTP.',
  'CIS-DI-0010': 'No secret-looking ENV or build argument in the configuration or the history.',
  'CIS-DI-0008': 'The image’s own layers add no setuid or setgid file.',
  'DKL-LI-0003':
    'The app tree holds no .git, .npm, .cache, sources (src), tests or tsconfig files.',
  BI101: 'No pnpm store (.pnpm-store, …/pnpm/store) in the image’s own layers.',
} as const;

/** Names that make an assignment look like a credential. */
const secretName =
  /(TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|_authToken|_auth$)/i;
/** Values that are credentials whatever they are called. */
const secretValue = [
  /_authToken\s*=/,
  /NPM_TOKEN=/,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /\bgh[pousr]_[A-Za-z0-9]{30,}/,
  /\bnpm_[A-Za-z0-9]{36}\b/,
  /\bAKIA[0-9A-Z]{16}\b/,
];

/**
 * Checks a built image through the Engine API only (inspect, history and the image export):
 * its user, its health check, secrets in its environment and history, and the files its own
 * layers add (setuid/setgid bits, development files in the app tree, pnpm stores).
 *
 * The file checks read the layer tars' headers of `image.get()` (a `docker save` archive): the
 * layers are told apart by their sha256, which is their diff id in the image's RootFS, so both the
 * legacy and the OCI archive layouts work. Whiteouts of later layers are applied, so a file added
 * and then deleted does not count.
 */
export async function inspectImage(
  docker: Dockerode,
  image: string,
  expect: ImageExpectations,
): Promise<ImageFinding[]> {
  const findings: ImageFinding[] = [];
  const handle = docker.getImage(image);
  const info = await handle.inspect();

  const user = info.Config.User ?? '';
  if (isRootUser(user)) {
    findings.push({
      rule: 'CIS-DI-0001',
      message:
        user === ''
          ? 'the image sets no USER, so it runs as root'
          : `the image runs as root (USER ${user})`,
    });
  }

  const test = info.Config.Healthcheck?.Test ?? [];
  const hasHealthcheck = test.length > 0 && test[0] !== 'NONE';
  if (expect.healthcheck && !hasHealthcheck)
    findings.push({ rule: 'CIS-DI-0006', message: 'the image serves HTTP but has no HEALTHCHECK' });
  if (!expect.healthcheck && hasHealthcheck)
    findings.push({
      rule: 'CIS-DI-0006',
      message: `the image has a HEALTHCHECK (${test.join(' ')}) but none is expected`,
    });

  for (const entry of info.Config.Env ?? []) {
    const secret = secretAssignment(entry);
    if (secret)
      findings.push({
        rule: 'CIS-DI-0010',
        message: `the environment holds a secret-looking ${secret}`,
      });
  }
  const history = (await handle.history()) as { CreatedBy?: string }[];
  for (const step of history) {
    const createdBy = step.CreatedBy ?? '';
    for (const secret of secretsInCommand(createdBy)) {
      findings.push({
        rule: 'CIS-DI-0010',
        message: `the history holds a secret-looking ${secret} in the step "${mask(createdBy).slice(0, 120)}"`,
      });
    }
  }

  const layers = info.RootFS.Layers ?? [];
  let baseLayers: string[] = [];
  if (expect.baseImage !== undefined)
    baseLayers = (await docker.getImage(expect.baseImage).inspect()).RootFS.Layers ?? [];
  let shared = 0;
  while (
    shared < layers.length &&
    shared < baseLayers.length &&
    layers[shared] === baseLayers[shared]
  )
    shared++;
  const added = layers.slice(shared);
  if (added.length > 0)
    findings.push(
      ...checkFiles(await addedFiles(await handle.get(), layers, shared), expect.appDir),
    );
  return findings;
}

/** `root`, `0`, `root:…`, `0:…` or empty. */
function isRootUser(user: string): boolean {
  const name = user.trim().split(':')[0]!.trim();
  return name === '' || name === 'root' || /^0+$/.test(name);
}

/** `KEY=value` with a credential-like name or value: what to report (the value masked), or undefined. */
function secretAssignment(assignment: string): string | undefined {
  const eq = assignment.indexOf('=');
  if (eq <= 0) return undefined;
  const name = assignment.slice(0, eq);
  const value = assignment.slice(eq + 1).replace(/^["']|["']$/g, '');
  if (value === '' || value.startsWith('$')) return undefined;
  if (secretName.test(name) || secretValue.some((pattern) => pattern.test(value)))
    return `${name}=***`;
  return undefined;
}

/** The credential-like assignments of a history step: `ENV X=…`, `ARG X=…`, `RUN |1 X=… /bin/sh -c …`. */
function secretsInCommand(command: string): string[] {
  const found = new Set<string>();
  for (const match of command.matchAll(
    /(?:^|[\s;&|(])([A-Za-z_][A-Za-z0-9_.-]*)=("[^"]*"|'[^']*'|\S+)/g,
  )) {
    const secret = secretAssignment(`${match[1]}=${match[2]}`);
    if (secret) found.add(secret);
  }
  if (found.size === 0) {
    for (const pattern of secretValue)
      if (pattern.test(command)) found.add(`value matching /${pattern.source}/`);
  }
  return [...found];
}

/** The history text with the values of credential-like assignments replaced by ***. */
function mask(command: string): string {
  return command.replace(
    /([A-Za-z_][A-Za-z0-9_.-]*)=("[^"]*"|'[^']*'|\S+)/g,
    (whole, name: string) => (secretAssignment(whole) ? `${name}=***` : whole),
  );
}

interface LayerEntry {
  path: string;
  type: string;
  mode: number;
}

/**
 * The files the layers after the first `shared` ones leave in the image (whiteouts applied):
 * path → entry, paths relative to / without a leading slash.
 */
async function addedFiles(
  archive: NodeJS.ReadableStream,
  layers: readonly string[],
  shared: number,
): Promise<Map<string, LayerEntry>> {
  const { byDigest, byName, manifestLayers } = await readArchive(archive as unknown as Readable);
  const files = new Map<string, LayerEntry>();
  for (let index = shared; index < layers.length; index++) {
    const diffId = layers[index]!;
    const entries = byDigest.get(diffId) ?? byName.get(manifestLayers[index] ?? '');
    if (!entries) throw new Error(`the layer ${diffId} is missing from the image export`);
    const whiteouts: string[] = [];
    for (const entry of entries) {
      const name = path_basename(entry.path);
      if (!name.startsWith('.wh.')) continue;
      const dir = entry.path.slice(0, entry.path.length - name.length);
      if (name === '.wh..wh..opq') whiteouts.push(dir);
      else whiteouts.push(dir + name.slice(4));
    }
    for (const removed of whiteouts) {
      const prefix = removed.endsWith('/') ? removed : `${removed}/`;
      for (const key of files.keys())
        if (key === removed || key.startsWith(prefix)) files.delete(key);
    }
    for (const entry of entries)
      if (!path_basename(entry.path).startsWith('.wh.')) files.set(entry.path, entry);
  }
  return files;
}

function path_basename(file: string): string {
  return file.slice(file.lastIndexOf('/') + 1);
}

/** `./a/b/` → `a/b` */
function normalizeEntryPath(name: string): string {
  return name.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
}

/**
 * Reads an image export: every file entry is hashed (a layer's sha256 is its diff id) and, when it
 * is a tar, its headers are kept. `manifest.json` gives the layer names in order, as a fallback.
 */
async function readArchive(archive: Readable): Promise<{
  byDigest: Map<string, LayerEntry[]>;
  byName: Map<string, LayerEntry[]>;
  manifestLayers: string[];
}> {
  const byDigest = new Map<string, LayerEntry[]>();
  const byName = new Map<string, LayerEntry[]>();
  let manifestLayers: string[] = [];
  const outer = extract();
  const done = new Promise<void>((resolve, reject) => {
    outer.on('finish', resolve);
    outer.on('error', reject);
    archive.on('error', reject);
  });
  outer.on('entry', (header, stream, next) => {
    if (header.type !== 'file') {
      stream.on('end', () => next());
      stream.resume();
      return;
    }
    const name = normalizeEntryPath(header.name);
    readEntry(stream, name === 'manifest.json').then(
      ({ digest, entries, text }) => {
        if (entries) {
          byDigest.set(`sha256:${digest}`, entries);
          byName.set(name, entries);
        }
        if (text !== undefined) manifestLayers = parseManifest(text);
        next();
      },
      (error: unknown) => next(error instanceof Error ? error : new Error(String(error))),
    );
  });
  archive.pipe(outer);
  await done;
  return { byDigest, byName, manifestLayers };
}

function parseManifest(text: string): string[] {
  try {
    const manifest = JSON.parse(text) as { Layers?: string[] }[];
    return (manifest[0]?.Layers ?? []).map(normalizeEntryPath);
  } catch {
    return [];
  }
}

/**
 * An archive entry's bytes, gunzipped when they are gzip: the containerd image store's
 * `docker save` writes compressed layer blobs, whose diff id is the sha256 of the tar inside.
 */
async function* uncompressed(stream: AsyncIterable<unknown>): AsyncGenerator<Buffer> {
  const iterator = stream[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done === true) return;
  const head = first.value as Buffer;
  async function* all(): AsyncGenerator<Buffer> {
    yield head;
    for (let next = await iterator.next(); next.done !== true; next = await iterator.next())
      yield next.value as Buffer;
  }
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    for await (const chunk of Readable.from(all()).pipe(createGunzip())) yield chunk as Buffer;
  } else yield* all();
}

/** Hashes one archive entry and lists its tar headers when it is a tar (undefined otherwise). */
async function readEntry(
  stream: AsyncIterable<unknown>,
  keepText: boolean,
): Promise<{ digest: string; entries: LayerEntry[] | undefined; text: string | undefined }> {
  const hash = createHash('sha256');
  const entries: LayerEntry[] = [];
  const chunks: Buffer[] = [];
  const inner = extract();
  let isTar = true;
  const innerDone = new Promise<void>((resolve) => {
    inner.on('finish', resolve);
    inner.on('close', resolve);
    inner.on('error', () => {
      isTar = false;
      resolve();
    });
  });
  inner.on('entry', (header, entryStream, next) => {
    entries.push({
      path: normalizeEntryPath(header.name),
      type: header.type ?? 'file',
      mode: header.mode ?? 0,
    });
    entryStream.on('end', () => next());
    entryStream.resume();
  });
  for await (const buffer of uncompressed(stream)) {
    hash.update(buffer);
    if (keepText) chunks.push(buffer);
    if (isTar && !inner.write(buffer)) {
      await new Promise<void>((resolve) => {
        const settle = () => {
          inner.off('drain', settle);
          inner.off('error', settle);
          resolve();
        };
        inner.on('drain', settle);
        inner.on('error', settle);
      });
    }
  }
  if (isTar) inner.end(() => undefined);
  await innerDone;
  return {
    digest: hash.digest('hex'),
    entries: isTar ? entries : undefined,
    text: keepText ? Buffer.concat(chunks).toString('utf8') : undefined,
  };
}

const devDirectories = new Set(['src', 'test', 'tests', '__tests__']);
const junkDirectories = new Set(['.git', '.npm', '.cache']);

/** The file checks on the files the image's own layers leave. */
function checkFiles(files: ReadonlyMap<string, LayerEntry>, appDir: string): ImageFinding[] {
  const findings: ImageFinding[] = [];
  const reported = new Set<string>();
  const report = (rule: string, file: string, message: string) => {
    const key = `${rule} ${file}`;
    if (reported.has(key)) return;
    reported.add(key);
    findings.push({ rule, path: `/${file}`, message: `/${file}: ${message}` });
  };
  const app = normalizeEntryPath(appDir);
  for (const [file, entry] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    if (
      (entry.type === 'file' || entry.type === 'contiguous-file' || entry.type === 'link') &&
      (entry.mode & 0o6000) !== 0
    ) {
      const bits = [entry.mode & 0o4000 ? 'setuid' : '', entry.mode & 0o2000 ? 'setgid' : '']
        .filter(Boolean)
        .join('+');
      report(
        'CIS-DI-0008',
        file,
        `${bits} file (mode ${(entry.mode & 0o7777).toString(8)}) added by the image's own layers`,
      );
    }
    const segments = file.split('/');
    for (let i = 0; i < segments.length; i++) {
      const pnpmStore =
        segments[i] === 'pnpm' && segments[i + 1] === 'store' && segments[i - 1] !== 'node_modules';
      if (segments[i] === '.pnpm-store' || pnpmStore) {
        const end = segments[i] === 'pnpm' ? i + 2 : i + 1;
        report(
          'BI101',
          segments.slice(0, end).join('/'),
          'a pnpm store in the image: mount it as a build cache instead',
        );
        break;
      }
    }
    if (app !== '' && !file.startsWith(`${app}/`)) continue;
    const relative = app === '' ? segments : file.slice(app.length + 1).split('/');
    const base = app === '' ? [] : [app];
    const junk = relative.findIndex((segment) => junkDirectories.has(segment));
    if (junk >= 0) {
      report(
        'DKL-LI-0003',
        [...base, ...relative.slice(0, junk + 1)].join('/'),
        `${relative[junk]} does not belong in the image`,
      );
      continue;
    }
    const own = ownedPart(relative);
    if (own === undefined) continue;
    const [skip, rest] = own;
    const dev = rest.findIndex((segment) => devDirectories.has(segment));
    if (dev >= 0) {
      report(
        'DKL-LI-0003',
        [...base, ...relative.slice(0, skip + dev + 1)].join('/'),
        `sources or tests (${rest[dev]}) do not belong in the image: ship the build output only`,
      );
      continue;
    }
    const name = rest.at(-1) ?? '';
    if (
      entry.type !== 'directory' &&
      (/\.(test|spec)\.[^/]+$/.test(name) || /^tsconfig.*\.json$/.test(name))
    ) {
      report('DKL-LI-0003', file, `${name} is a development file: ship the build output only`);
    }
  }
  return findings;
}

/**
 * The part of an app-tree path that belongs to the app or to one of its workspace packages, with
 * how many segments come before it; undefined for third-party packages under node_modules (whose
 * own test or src directories are their authors' business). pnpm copies workspace packages to
 * `node_modules/.pnpm/<name>@file+<dir>/node_modules/<name>/`.
 */
function ownedPart(segments: string[]): [number, string[]] | undefined {
  if (!segments.includes('node_modules')) return [0, segments];
  if (
    segments[0] !== 'node_modules' ||
    segments[1] !== '.pnpm' ||
    !segments[2]?.includes('@file+') ||
    segments[3] !== 'node_modules'
  )
    return undefined;
  const nameLength = segments[4]?.startsWith('@') ? 2 : 1;
  const skip = 4 + nameLength;
  const rest = segments.slice(skip);
  if (rest.includes('node_modules')) return undefined;
  return [skip, rest];
}
