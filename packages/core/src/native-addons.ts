import { closureOf, type Lockfile } from './lockfile.js';

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
 * stage installs them) reaches. Apps without any are left out. Pure; cheap when the lockfile
 * holds none of them, which is the usual case.
 */
export function findCompiledAddons(
  lockfile: Lockfile,
  apps: readonly { name: string; importers: readonly string[] }[],
): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const present = new Set<string>();
  for (const depPath of lockfile.snapshots.keys()) {
    const name = packageName(depPath);
    if (compiledAddons.has(name)) present.add(name);
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

function packageName(depPath: string): string {
  const at = depPath.indexOf('@', 1);
  return at === -1 ? depPath : depPath.slice(0, at);
}
