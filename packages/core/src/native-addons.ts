import { closureOf, splitDepPath, type Lockfile } from './lockfile.js';

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
  for (const app of apps) {
    const names = new Set<string>();
    for (const depPath of closureOf(lockfile, app.importers)) {
      const name = packageName(depPath);
      if (present.has(name)) names.add(name);
    }
    if (names.size > 0) found.set(app.name, [...names].sort());
  }
  return found;
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
