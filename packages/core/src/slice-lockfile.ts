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
 * slice and the root manifest. Optional dependencies of packages that only run on another
 * operating system than Linux (`os` in their entry: esbuild's, rollup's, turbo's, swc's
 * binaries for macOS and Windows, fsevents) leave it too, with the references to them: pnpm
 * would skip them in a Linux image anyway, and a re-resolution of them (common after an
 * unrelated `pnpm add`) must not rerun every install. Other CPUs and libcs stay: the CPU is the
 * engine's, which planning does not know, and one slice serves every engine. An importer's own
 * optional dependency stays whatever its platform, since pnpm checks importers against the
 * manifests.
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

  // An app at the workspace root (--apps .) is the root importer: its links to the workspace
  // packages it uses stay, since those are in its build (its closure's importers).
  const rootIsApp = importerIds.includes('.');
  const { importer: rootImporter, dropped } = withoutLocalPaths(
    importers['.'],
    rootIsApp ? new Set(ids) : new Set(),
  );
  const kept: [string, unknown][] = [
    ['.', rootImporter],
    ...ids.map((id): [string, unknown] => [id, importers[id]]),
  ];
  const foreign = foreignPlatformOf(lockfile);
  const { all, required } = reachableFrom(lockfile, kept, foreign);

  const cache = fragmentCacheOf(lockfile);
  const out: string[] = [];
  for (const [key, value] of Object.entries(document)) {
    if (key === 'importers' || key === 'packages' || key === 'snapshots') continue;
    out.push(cache.top(key, value));
  }
  // The root importer is cut the same way from the same lockfile for every slice: cached too.
  out.push(
    section(
      'importers',
      kept.map(([id, value]) =>
        cache.importer(id === '.' && rootIsApp ? '\0root app' : id, id, value),
      ),
    ),
  );
  // The default sort orders strings by UTF-16 code units, as compareStrings does, faster.
  const depPaths = [...all].sort();
  const packages = isRecord(document['packages']) ? document['packages'] : {};
  const packageKeys = [...new Set(depPaths.map(cache.packageKey))].filter((key) =>
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
        snapshotKeys.map((key) => cache.snapshot(key, snapshots[key], !required.has(key), foreign)),
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

/** Digests by slice: the slice of a package stage counts in the digest of every app that builds it. */
const sliceDigests = new WeakMap<LockfileSlice, string>();

/** The sha256 of a slice's bytes (lockfile and root manifest): what an install stage's cache key depends on. */
export function digestLockfileSlice(slice: LockfileSlice): string {
  let digest = sliceDigests.get(slice);
  if (digest === undefined) {
    digest = createHash('sha256')
      .update(`${slice.lockfile.length}\0${slice.lockfile}\0${slice.rootManifest}`)
      .digest('hex');
    sliceDigests.set(slice, digest);
  }
  return digest;
}

/** The root importer without dependencies on local paths, and the names it lost. */
function withoutLocalPaths(
  raw: unknown,
  linkedDirs: ReadonlySet<string>,
): { importer: unknown; dropped: Set<string> } {
  const dropped = new Set<string>();
  if (!isRecord(raw)) return { importer: raw ?? {}, dropped };
  const importer: Record<string, unknown> = { ...raw };
  for (const field of rootDependencyFields) {
    const deps = raw[field];
    if (!isRecord(deps)) continue;
    const keep: Record<string, unknown> = {};
    for (const [name, dep] of Object.entries(deps)) {
      const version = isRecord(dep) ? dep['version'] : undefined;
      if (
        typeof version === 'string' &&
        /^(?:file|link):/.test(version) &&
        !linkedDirs.has(version.replace(/^link:(?:\.\/)?/, ''))
      )
        dropped.add(name);
      else keep[name] = dep;
    }
    if (Object.keys(keep).length > 0) importer[field] = keep;
    else delete importer[field];
  }
  return { importer, dropped };
}

interface Reached {
  all: ReadonlySet<string>;
  required: ReadonlySet<string>;
}

/** What each importer reaches, per lockfile: every app and package stage slices the same importers. */
const reachedByImporter = new WeakMap<Lockfile, Map<string, Reached>>();

/**
 * What the importers reach together: the union of what each reaches alone (reachability from
 * a union of starts is the union of reachabilities, along required edges as along all), each
 * importer walked once per lockfile however many slices hold it.
 */
function reachableFrom(
  lockfile: Lockfile,
  importers: readonly [string, unknown][],
  foreign: (depPath: string) => boolean,
): Reached {
  let known = reachedByImporter.get(lockfile);
  if (known === undefined) reachedByImporter.set(lockfile, (known = new Map()));
  const all = new Set<string>();
  const required = new Set<string>();
  for (const importer of importers) {
    let reached = known.get(importer[0]);
    if (reached === undefined)
      known.set(importer[0], (reached = reachable(lockfile, [importer], foreign)));
    for (const depPath of reached.all) all.add(depPath);
    for (const depPath of reached.required) required.add(depPath);
  }
  return { all, required };
}

/**
 * The dep paths the importers reach, and those they reach through non-optional edges only
 * (the rest are `optional: true` in this slice, as pnpm marks them).
 */
function reachable(
  lockfile: Lockfile,
  importers: readonly [string, unknown][],
  foreign: (depPath: string) => boolean,
): { all: Set<string>; required: Set<string> } {
  const required = new Set<string>();
  const all = new Set<string>();
  // Two passes over one queue discipline: first along required edges only, then from the
  // optional edges of everything reached, along every edge.
  const walk = (
    seen: Set<string>,
    starts: [string, unknown, boolean?][],
    optionalEdges: boolean,
  ) => {
    const queue: string[] = [];
    const visit = (name: string, reference: unknown, optional = false) => {
      if (typeof reference !== 'string') return;
      const depPath = depPathOf(reference, name);
      if (depPath === undefined || seen.has(depPath) || (optional && foreign(depPath))) return;
      seen.add(depPath);
      queue.push(depPath);
    };
    for (const [name, reference, optional] of starts) visit(name, reference, optional);
    for (let depPath = queue.pop(); depPath !== undefined; depPath = queue.pop()) {
      const snapshot = lockfile.snapshots.get(depPath);
      if (snapshot === undefined) continue;
      for (const [name, reference] of snapshot.dependencies) visit(name, reference);
      if (optionalEdges)
        for (const [name, reference] of snapshot.optionalDependencies) visit(name, reference, true);
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
  const optionalStarts: [string, unknown, boolean?][] = direct(['optionalDependencies']);
  for (const depPath of required) {
    const snapshot = lockfile.snapshots.get(depPath);
    if (!snapshot) continue;
    for (const [name, reference] of snapshot.optionalDependencies)
      optionalStarts.push([name, reference, true]);
  }
  walk(all, optionalStarts, true);
  return { all, required };
}

const foreignCaches = new WeakMap<Lockfile, (depPath: string) => boolean>();

/**
 * Whether the package of a dep path declares operating systems (`os`, as npm and pnpm read it:
 * names, or `!name` exclusions) that leave Linux out.
 */
function foreignPlatformOf(lockfile: Lockfile): (depPath: string) => boolean {
  const cached = foreignCaches.get(lockfile);
  if (cached) return cached;
  const packages = isRecord(lockfile.document['packages']) ? lockfile.document['packages'] : {};
  const memo = new Map<string, boolean>();
  const foreign = (depPath: string) => {
    const key = withoutSuffix(depPath);
    let answer = memo.get(key);
    if (answer === undefined) {
      const entry = packages[key];
      const os = isRecord(entry) && Array.isArray(entry['os']) ? entry['os'] : [];
      const names = os.filter((name): name is string => typeof name === 'string');
      const allowed = names.filter((name) => !name.startsWith('!'));
      answer = names.includes('!linux') || (allowed.length > 0 && !allowed.includes('linux'));
      memo.set(key, answer);
    }
    return answer;
  };
  foreignCaches.set(lockfile, foreign);
  return foreign;
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
  /** The `packages` key of a dep path (withoutSuffix), remembered. */
  packageKey(depPath: string): string;
  top(key: string, value: unknown): string;
  /** An importer's entry, remembered by `key` (its id, or another for a variant of the root's). */
  importer(key: string, id: string, value: unknown): string;
  package(key: string, value: unknown): string;
  snapshot(
    key: string,
    value: unknown,
    optional: boolean,
    foreign: (depPath: string) => boolean,
  ): string;
}

const fragmentCaches = new WeakMap<Lockfile, FragmentCache>();

function fragmentCacheOf(lockfile: Lockfile): FragmentCache {
  const cached = fragmentCaches.get(lockfile);
  if (cached) return cached;
  // One map per kind of fragment: keys are looked up many times per slice, unchanged.
  const memos = {
    key: new Map<string, string>(),
    top: new Map<string, string>(),
    importer: new Map<string, string>(),
    package: new Map<string, string>(),
    snapshot: new Map<string, string>(),
    optionalSnapshot: new Map<string, string>(),
  };
  const once = (memo: Map<string, string>, key: string, render: () => string) => {
    let text = memo.get(key);
    if (text === undefined) memo.set(key, (text = render()));
    return text;
  };
  const cache: FragmentCache = {
    packageKey: (depPath) => once(memos.key, depPath, () => withoutSuffix(depPath)),
    top: (key, value) =>
      once(memos.top, key, () =>
        dump({ [key]: value }, { lineWidth: -1, noRefs: true, sortKeys: false }),
      ),
    importer: (key, id, value) => once(memos.importer, key, () => entry(id, value)),
    package: (key, value) => once(memos.package, key, () => flowEntry(key, value)),
    // Which packages are foreign is a property of the lockfile, the same for every slice.
    snapshot: (key, value, optional, foreign) =>
      once(optional ? memos.optionalSnapshot : memos.snapshot, key, () => {
        const { optional: _was, ...rest } = isRecord(value) ? value : {};
        const optionals = rest['optionalDependencies'];
        if (isRecord(optionals)) {
          const kept = Object.entries(optionals).filter(([name, reference]) => {
            const depPath = typeof reference === 'string' ? depPathOf(reference, name) : undefined;
            return depPath === undefined || !foreign(depPath);
          });
          if (kept.length > 0) rest['optionalDependencies'] = Object.fromEntries(kept);
          else delete rest['optionalDependencies'];
        }
        return flowEntry(key, optional ? { ...rest, optional: true } : rest);
      }),
  };
  fragmentCaches.set(lockfile, cache);
  return cache;
}
