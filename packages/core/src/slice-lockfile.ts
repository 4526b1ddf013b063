import { createHash } from 'node:crypto';
import { dump } from 'js-yaml';
import { BuildImagesError } from './build-images-error.js';
import { compareStrings, depPathOf, isRecord, withoutSuffix, type Lockfile } from './lockfile.js';

/** What one app's install stage receives instead of the workspace's lockfile and root manifest. */
export interface LockfileSlice {
  /** A `pnpm-lock.yaml` with the root importer, the app's workspace importers and what they resolve to. */
  lockfile: string;
  /** The root `package.json` to install it with (root dependencies on local paths removed). */
  rootManifest: string;
}

const rootDependencyFields = ['dependencies', 'devDependencies', 'optionalDependencies'] as const;

/**
 * Cuts the lockfile down to the root importer and `importerIds` (workspace directories) and
 * the packages they resolve to, in the layout pnpm writes. `pnpm install --frozen-lockfile`
 * accepts it with only those importers present and installs exactly what the whole lockfile
 * gives them. Lockfile-wide keys (settings, overrides, catalogs, patches) are kept as they are,
 * since pnpm compares them with its configuration; `optional` flags are recomputed for the
 * kept importers, so another app's change leaves this slice byte-identical. Root dependencies
 * on local paths (a tarball, a linked folder) are not in any build context: they leave the
 * slice and the root manifest.
 *
 * Pure and deterministic: the same lockfile, ids and manifest give the same bytes. Each entry's
 * YAML is rendered once per lockfile, so slicing it for many apps costs little more than once.
 */
export function sliceLockfile(
  lockfile: Lockfile,
  importerIds: readonly string[],
  rootManifestText: string,
): LockfileSlice {
  const document = lockfile.document;
  const importers = isRecord(document['importers']) ? document['importers'] : {};
  const ids = [...new Set(importerIds.filter((id) => id !== '.'))].sort(compareStrings);
  for (const id of ids) {
    if (!Object.hasOwn(importers, id)) {
      throw new BuildImagesError('LOCKFILE_INVALID', `${lockfile.file} has no importer "${id}"`, {
        hint: 'The lockfile is out of date with the workspace: run pnpm install and commit pnpm-lock.yaml.',
      });
    }
  }

  const { importer: rootImporter, dropped } = withoutLocalPaths(importers['.']);
  const kept: [string, unknown][] = [
    ['.', rootImporter],
    ...ids.map((id): [string, unknown] => [id, importers[id]]),
  ];
  const { all, required } = reachable(lockfile, kept);

  const cache = fragmentCacheOf(lockfile);
  const out: string[] = [];
  for (const [key, value] of Object.entries(document)) {
    if (key === 'importers' || key === 'packages' || key === 'snapshots') continue;
    out.push(cache.top(key, value));
  }
  out.push(
    section(
      'importers',
      kept.map(([id, value]) => (id === '.' ? entry(id, value) : cache.importer(id, value))),
    ),
  );
  const depPaths = [...all].sort(compareStrings);
  const packages = isRecord(document['packages']) ? document['packages'] : {};
  const packageKeys = [...new Set(depPaths.map(withoutSuffix))].filter((key) =>
    Object.hasOwn(packages, key),
  );
  if (packageKeys.length > 0)
    out.push(
      section(
        'packages',
        packageKeys.map((key) => cache.package(key, packages[key])),
      ),
    );
  const snapshots = isRecord(document['snapshots']) ? document['snapshots'] : {};
  const snapshotKeys = depPaths.filter((depPath) => Object.hasOwn(snapshots, depPath));
  if (snapshotKeys.length > 0) {
    out.push(
      section(
        'snapshots',
        snapshotKeys.map((key) => cache.snapshot(key, snapshots[key], !required.has(key))),
      ),
    );
  }

  return {
    lockfile: `${out.join('\n')}`,
    rootManifest: installManifest(rootManifestText, dropped),
  };
}

/**
 * The fields of the root manifest that `pnpm install` and `pnpm deploy` read. The rest stays
 * out of the install stages: root scripts (a `postinstall` that runs the repository's whole
 * build, `prepare: husky`) would run there without the sources, and editing a script or the
 * `buildImages` settings must not rerun every app's install.
 */
const installFields = new Set([
  'name',
  'version',
  'private',
  'packageManager',
  'engines',
  'devEngines',
  'dependencies',
  'devDependencies',
  'optionalDependencies',
  'peerDependencies',
  'peerDependenciesMeta',
  'dependenciesMeta',
  'bundledDependencies',
  'bundleDependencies',
  'pnpm',
  'resolutions',
]);

function installManifest(text: string, dropped: ReadonlySet<string>): string {
  let manifest: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    if (!isRecord(parsed)) return text;
    manifest = parsed;
  } catch {
    // The workspace reader reports an unreadable root manifest itself.
    return text;
  }
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(manifest)) {
    if (!installFields.has(key)) continue;
    kept[key] =
      (rootDependencyFields as readonly string[]).includes(key) && isRecord(value)
        ? Object.fromEntries(Object.entries(value).filter(([name]) => !dropped.has(name)))
        : value;
  }
  return `${JSON.stringify(kept, null, 2)}\n`;
}

/** The sha256 of a slice's bytes (lockfile and root manifest): what an install stage's cache key depends on. */
export function digestLockfileSlice(slice: LockfileSlice): string {
  return createHash('sha256')
    .update(`${slice.lockfile.length}\0${slice.lockfile}\0${slice.rootManifest}`)
    .digest('hex');
}

/** The root importer without dependencies on local paths, and the names it lost. */
function withoutLocalPaths(raw: unknown): { importer: unknown; dropped: Set<string> } {
  const dropped = new Set<string>();
  if (!isRecord(raw)) return { importer: raw ?? {}, dropped };
  const importer: Record<string, unknown> = { ...raw };
  for (const field of rootDependencyFields) {
    const deps = raw[field];
    if (!isRecord(deps)) continue;
    const keep: Record<string, unknown> = {};
    for (const [name, dep] of Object.entries(deps)) {
      const version = isRecord(dep) ? dep['version'] : undefined;
      if (typeof version === 'string' && /^(?:file|link):/.test(version)) dropped.add(name);
      else keep[name] = dep;
    }
    if (Object.keys(keep).length > 0) importer[field] = keep;
    else delete importer[field];
  }
  return { importer, dropped };
}

/**
 * The dep paths the importers reach, and those they reach through non-optional edges only
 * (the rest are `optional: true` in this slice, as pnpm marks them).
 */
function reachable(
  lockfile: Lockfile,
  importers: readonly [string, unknown][],
): { all: Set<string>; required: Set<string> } {
  const required = new Set<string>();
  const all = new Set<string>();
  // Two passes over one queue discipline: first along required edges only, then from the
  // optional edges of everything reached, along every edge.
  const walk = (seen: Set<string>, starts: [string, unknown][], optionalEdges: boolean) => {
    const queue: string[] = [];
    const visit = (name: string, reference: unknown) => {
      if (typeof reference !== 'string') return;
      const depPath = depPathOf(reference, name);
      if (depPath === undefined || seen.has(depPath)) return;
      seen.add(depPath);
      queue.push(depPath);
    };
    for (const [name, reference] of starts) visit(name, reference);
    for (let depPath = queue.pop(); depPath !== undefined; depPath = queue.pop()) {
      const snapshot = lockfile.snapshots.get(depPath);
      if (snapshot === undefined) continue;
      for (const [name, reference] of snapshot.dependencies) visit(name, reference);
      if (optionalEdges)
        for (const [name, reference] of snapshot.optionalDependencies) visit(name, reference);
    }
  };
  const direct = (fields: readonly string[]) =>
    importers.flatMap(([, importer]) =>
      isRecord(importer)
        ? fields.flatMap((field) => {
            const deps = importer[field];
            return isRecord(deps)
              ? Object.entries(deps).map(([name, dep]): [string, unknown] => [
                  name,
                  isRecord(dep) ? dep['version'] : undefined,
                ])
              : [];
          })
        : [],
    );
  walk(required, direct(['dependencies', 'devDependencies']), false);
  for (const depPath of required) all.add(depPath);
  const optionalStarts: [string, unknown][] = direct(['optionalDependencies']);
  for (const depPath of required) {
    const snapshot = lockfile.snapshots.get(depPath);
    if (snapshot) optionalStarts.push(...snapshot.optionalDependencies);
  }
  walk(all, optionalStarts, true);
  return { all, required };
}

function section(name: string, entries: readonly string[]): string {
  return `${name}:\n\n${entries.join('\n')}`;
}

/** One mapping entry, indented as a child of a top-level section, with a blank line after it. */
function entry(key: string, value: unknown): string {
  const text = dump({ [key]: value ?? {} }, { lineWidth: -1, noRefs: true, sortKeys: false });
  return `${text.replace(/^(?=.)/gm, '  ')}`;
}

/**
 * One entry in YAML's flow style, which is JSON: packages and snapshots are most of a
 * lockfile, and JSON.stringify writes them many times faster than a YAML emitter, with the
 * same meaning to pnpm's YAML reader.
 */
function flowEntry(key: string, value: unknown): string {
  return `  ${JSON.stringify(key)}: ${JSON.stringify(value ?? {})}\n`;
}

interface FragmentCache {
  top(key: string, value: unknown): string;
  importer(id: string, value: unknown): string;
  package(key: string, value: unknown): string;
  snapshot(key: string, value: unknown, optional: boolean): string;
}

const fragmentCaches = new WeakMap<Lockfile, FragmentCache>();

function fragmentCacheOf(lockfile: Lockfile): FragmentCache {
  const cached = fragmentCaches.get(lockfile);
  if (cached) return cached;
  const memo = new Map<string, string>();
  const once = (key: string, render: () => string) => {
    let text = memo.get(key);
    if (text === undefined) memo.set(key, (text = render()));
    return text;
  };
  const cache: FragmentCache = {
    top: (key, value) =>
      once(`t\0${key}`, () =>
        dump({ [key]: value }, { lineWidth: -1, noRefs: true, sortKeys: false }),
      ),
    importer: (id, value) => once(`i\0${id}`, () => entry(id, value)),
    package: (key, value) => once(`p\0${key}`, () => flowEntry(key, value)),
    snapshot: (key, value, optional) =>
      once(`s\0${optional ? 1 : 0}\0${key}`, () => {
        const { optional: _was, ...rest } = isRecord(value) ? value : {};
        return flowEntry(key, optional ? { ...rest, optional: true } : rest);
      }),
  };
  fragmentCaches.set(lockfile, cache);
  return cache;
}
