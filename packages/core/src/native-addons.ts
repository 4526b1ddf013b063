import {
  depPathOf,
  importerDependencyFields,
  snapshotDependencyFields,
  splitDepPath,
  type Lockfile,
} from './lockfile.js';

/**
 * npm packages whose install compiles C/C++ with node-gyp when no prebuilt binary fits the
 * Node ABI and platform, or when their prebuilt download (GitHub releases, a CDN) cannot be
 * reached from the build: bcrypt, sqlite bindings, profilers and the like. Packages that ship
 * every prebuilt binary inside the npm tarball or as optional platform packages (sharp 0.33+,
 * esbuild, bufferutil, lmdb, msgpackr-extract) are not here: they never need a compiler.
 */
export const compiledAddons: ReadonlySet<string> = new Set([
  '@datadog/pprof',
  '@newrelic/native-metrics',
  'argon2',
  'bcrypt',
  'better-sqlite3',
  'canvas',
  'classic-level',
  'cpu-features',
  'deasync',
  'farmhash',
  'ffi-napi',
  'heapdump',
  'iconv',
  'isolated-vm',
  'kerberos',
  'leveldown',
  'libxmljs',
  'libxmljs2',
  'microtime',
  'node-expat',
  'node-pty',
  'node-rdkafka',
  'node-sass',
  'pprof',
  're2',
  'ref-napi',
  'segfault-handler',
  'sqlite3',
  'unix-dgram',
  'usb',
  'zeromq',
]);

/**
 * The packages of each app's install that compile native code, by app: those of
 * {@link compiledAddons} its lockfile closure (dev dependencies included, as the install
 * stage installs them) reaches, unless the lockfile marks them optional. Apps without any are left out. Pure; cheap when the lockfile
 * holds none of them, which is the usual case.
 */
export function findCompiledAddons(
  lockfile: Lockfile,
  apps: readonly { name: string; importers: readonly string[] }[],
): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const present = new Set<string>();
  const snapshots = lockfile.document['snapshots'];
  for (const depPath of lockfile.snapshots.keys()) {
    const name = packageName(depPath);
    // An optional dependency (cpu-features under ssh2) may fail its build: pnpm goes on
    // without it, and the package that wanted it falls back to JavaScript.
    const optional =
      typeof snapshots === 'object' &&
      snapshots !== null &&
      (snapshots as Record<string, { optional?: unknown } | null>)[depPath]?.optional === true;
    if (compiledAddons.has(name) && !optional) present.add(name);
  }
  if (present.size === 0) return found;
  // Walked backwards from the addons, once: which importers reach which addon. Walking each
  // app's closure forwards cost a walk of most of the lockfile per app and package stage
  // (novu's 82,000 lines: 160 ms).
  const byImporter = addonsByImporter(lockfile, present);
  for (const app of apps) {
    // Every install installs the root importer too (postiz keeps bcrypt there, for all apps).
    const names = new Set(
      [...app.importers, '.'].flatMap((importer) => byImporter.get(importer) ?? []),
    );
    if (names.size > 0) found.set(app.name, [...names].sort());
  }
  return found;
}

/** For each importer, the addons (of `present`) its closure reaches along every edge. */
function addonsByImporter(lockfile: Lockfile, present: ReadonlySet<string>): Map<string, string[]> {
  const parents = new Map<string, string[]>();
  for (const [depPath, snapshot] of lockfile.snapshots)
    for (const field of snapshotDependencyFields)
      for (const [name, reference] of snapshot[field]) {
        const child = depPathOf(reference, name);
        if (child === undefined) continue;
        const list = parents.get(child);
        if (list) list.push(depPath);
        else parents.set(child, [depPath]);
      }
  // Every dep path the lockfile names: snapshots, what they reference and what importers
  // reference (one without a snapshot, in a hand-edited lockfile, is a leaf).
  const direct = new Map<string, string[]>();
  const named = new Set([...lockfile.snapshots.keys(), ...parents.keys()]);
  for (const [id, importer] of lockfile.importers) {
    const list: string[] = [];
    for (const field of importerDependencyFields)
      for (const [name, dep] of importer[field]) {
        const depPath = depPathOf(dep.version, name);
        if (depPath === undefined) continue;
        list.push(depPath);
        named.add(depPath);
      }
    direct.set(id, list);
  }
  const byImporter = new Map<string, string[]>();
  for (const addon of [...present].sort()) {
    const reaching = new Set<string>();
    const queue = [...named].filter((depPath) => packageName(depPath) === addon);
    for (const depPath of queue) reaching.add(depPath);
    for (let depPath = queue.pop(); depPath !== undefined; depPath = queue.pop())
      for (const parent of parents.get(depPath) ?? [])
        if (!reaching.has(parent)) {
          reaching.add(parent);
          queue.push(parent);
        }
    for (const [id, depPaths] of direct) {
      const reaches = depPaths.some((depPath) => reaching.has(depPath));
      if (!reaches) continue;
      const list = byImporter.get(id);
      if (list) list.push(addon);
      else byImporter.set(id, [addon]);
    }
  }
  return byImporter;
}

const packageName = (depPath: string): string => splitDepPath(depPath).name;

/**
 * Whether pnpm runs a dependency's install scripts, from the workspace's settings (the root
 * manifest's `pnpm` field, then pnpm-workspace.yaml): `dangerouslyAllowAllBuilds`, the
 * `onlyBuiltDependencies` list or pnpm 11's `allowBuilds` map, and `neverBuiltDependencies`.
 * Without any of them pnpm 9 runs every script and pnpm 10 and newer none. Pure.
 */
export function createBuildPolicy(
  settings: Readonly<Record<string, unknown>>,
  rootManifest: string,
  pnpmMajor: number,
): (name: string) => boolean {
  let fromManifest: Record<string, unknown> = {};
  try {
    const pnpm = (JSON.parse(rootManifest) as { pnpm?: unknown }).pnpm;
    if (typeof pnpm === 'object' && pnpm !== null) fromManifest = pnpm as Record<string, unknown>;
  } catch {
    // The workspace reader reports an unreadable root manifest itself.
  }
  const merged = { ...fromManifest, ...settings };
  const names = (value: unknown) =>
    Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
  const allowBuilds =
    typeof merged['allowBuilds'] === 'object' && merged['allowBuilds'] !== null
      ? (merged['allowBuilds'] as Record<string, unknown>)
      : {};
  const denied = new Set([
    ...names(merged['neverBuiltDependencies']),
    ...Object.keys(allowBuilds).filter((name) => allowBuilds[name] === false),
  ]);
  const listed = [
    ...names(merged['onlyBuiltDependencies']),
    ...Object.keys(allowBuilds).filter((name) => allowBuilds[name] === true),
  ];
  const hasList = 'onlyBuiltDependencies' in merged || 'allowBuilds' in merged;
  // Entries may name a version (`esbuild@0.25.0`): the package name is what counts here.
  const allowed = new Set(listed.map((entry) => entry.replace(/(?<=.)@[^/]*$/, '')));
  return (name) => {
    if (denied.has(name)) return false;
    if (merged['dangerouslyAllowAllBuilds'] === true) return true;
    if (hasList) return allowed.has(name);
    return pnpmMajor < 10;
  };
}
