import { posix } from 'node:path';
import { loadAll } from 'js-yaml';
import { BuildImagesError } from './build-images-error.js';

/*
 * Pure functions over the text of a `pnpm-lock.yaml` in format v9 (pnpm 9 and 10).
 *
 * The parts of the format this module relies on:
 * - `importers` maps a workspace directory (`apps/api`, `.` for the root) to its direct
 *   dependencies, each `{ specifier, version }`. `version` is a reference: a bare version
 *   (`5.12.8`, `7.3.8(@types/node@24.19.2)`), a full dep path for an alias
 *   (`string-width@4.2.3`), `link:…` for a workspace package, or `file:…`, a URL, etc.
 * - `snapshots` is keyed by dep path, `<name>@<version><suffix>`, where the suffix is an
 *   optional `(patch_hash=…)` followed by peer groups `(react@18.2.0)`, which may nest.
 *   Its `dependencies` and `optionalDependencies` hold references like the importers'.
 * - `packages` is keyed by the dep path without that suffix and says what the package is
 *   (`resolution`: integrity, tarball, directory or git commit).
 */

/** One direct dependency of an importer. */
export interface LockfileDependency {
  readonly specifier: string;
  /** A reference: a version, an alias dep path, `link:…`, `file:…`, … */
  readonly version: string;
}

export const importerDependencyFields = [
  'dependencies',
  'devDependencies',
  'optionalDependencies',
] as const;
export type ImporterDependencyField = (typeof importerDependencyFields)[number];

export interface LockfileImporter {
  readonly dependencies: ReadonlyMap<string, LockfileDependency>;
  readonly devDependencies: ReadonlyMap<string, LockfileDependency>;
  readonly optionalDependencies: ReadonlyMap<string, LockfileDependency>;
  /** Any other key (`dependenciesMeta`, `publishDirectory`…), as parsed: it changes the install too. */
  readonly other: ReadonlyMap<string, unknown>;
}

export const snapshotDependencyFields = ['dependencies', 'optionalDependencies'] as const;

export interface LockfileSnapshot {
  /** Alias or package name → reference, as in the importers. */
  readonly dependencies: ReadonlyMap<string, string>;
  readonly optionalDependencies: ReadonlyMap<string, string>;
}

export interface Lockfile {
  /** The path the text was read from, for messages. */
  readonly file: string;
  readonly lockfileVersion: string;
  readonly importers: ReadonlyMap<string, LockfileImporter>;
  /** `resolution` of each entry of `packages`, keyed by dep path without peer or patch suffix. */
  readonly resolutions: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
  readonly snapshots: ReadonlyMap<string, LockfileSnapshot>;
  /** Every other top-level key (`lockfileVersion`, `settings`, `overrides`, `catalogs`…), as parsed. */
  readonly topLevel: ReadonlyMap<string, unknown>;
  /** The parsed document as it is, for slices that keep every field pnpm wrote. */
  readonly document: Readonly<Record<string, unknown>>;
}

/** A package whose resolved versions differ; `before` or `after` is empty when it was added or removed. */
export interface LockfileChange {
  readonly name: string;
  readonly before: readonly string[];
  readonly after: readonly string[];
}

/**
 * The name of the single change reported for every importer when a lockfile-wide setting
 * differs. Its `before`/`after` hold one `key: <canonical JSON>` entry per changed key that
 * is present on that side; a side without a `lockfileVersion` entry had no lockfile at all.
 */
export const LOCKFILE_SETTINGS_CHANGE = '(lockfile settings)';

/*
 * Top-level keys that do not change resolution for everyone, so they are left out of the
 * lockfile-wide comparison: a catalog or patch change shows up in the resolved versions (and
 * patch hashes) of exactly the importers that use it, and `time` is only metadata. Every other
 * top-level key (settings, overrides, packageExtensionsChecksum, pnpmfileChecksum,
 * ignoredOptionalDependencies, and keys a later pnpm adds) counts as lockfile-wide, so an
 * unknown key errs towards rebuilding.
 */
const perImporterTopLevelKeys: ReadonlySet<string> = new Set([
  'catalogs',
  'patchedDependencies',
  'time',
]);

const sectionKeys: ReadonlySet<string> = new Set(['importers', 'packages', 'snapshots']);

const regenerateHint =
  'build-images reads lockfile format 9; regenerate it with pnpm 9 or 10 (`pnpm install`).';

/**
 * Parses and validates a `pnpm-lock.yaml`; every problem is a LOCKFILE_INVALID naming `file`.
 * `document`, when given, must be what parseLockfileYaml returns for this very text (a cache
 * of it): the YAML parse is most of the work on a large lockfile.
 */
export function parseLockfile(
  text: string,
  file: string,
  document: unknown = parseLockfileYaml(text, file),
): Lockfile {
  const root = document;
  const invalid = (message: string) =>
    new BuildImagesError('LOCKFILE_INVALID', `${file}: ${message}`, { hint: regenerateHint });

  if (!isRecord(root)) throw invalid('is not a YAML mapping');
  const version = root.lockfileVersion;
  if (version === undefined) throw invalid('has no lockfileVersion');
  if (typeof version !== 'string' || !/^9(\.|$)/.test(version)) {
    throw invalid(`lockfileVersion ${JSON.stringify(version)} is not supported`);
  }

  const entries = (key: string): [string, unknown][] => {
    const section = root[key];
    if (section === undefined || section === null) return [];
    if (!isRecord(section)) throw invalid(`"${key}" must be a mapping`);
    return Object.entries(section);
  };
  if (!isRecord(root.importers)) throw invalid('"importers" must be a mapping');

  const importers = new Map<string, LockfileImporter>();
  for (const [id, raw] of entries('importers')) {
    importers.set(id, parseImporter(raw, `importers["${id}"]`, invalid));
  }
  const resolutions = new Map<string, Readonly<Record<string, unknown>>>();
  for (const [key, raw] of entries('packages')) {
    const resolution = isRecord(raw) ? raw.resolution : undefined;
    if (!isRecord(resolution)) throw invalid(`packages["${key}"] has no "resolution" mapping`);
    resolutions.set(key, resolution);
  }
  const snapshots = new Map<string, LockfileSnapshot>();
  for (const [key, raw] of entries('snapshots')) {
    snapshots.set(key, parseSnapshot(raw, `snapshots["${key}"]`, invalid));
  }
  const topLevel = new Map(Object.entries(root).filter(([key]) => !sectionKeys.has(key)));
  return {
    file,
    lockfileVersion: version,
    importers,
    resolutions,
    snapshots,
    topLevel,
    document: root,
  };
}

/**
 * The importer's transitive third-party packages: name → sorted resolved versions, as in the
 * snapshot keys (peer and patch suffixes included). Aliases are listed under the real package
 * name. Workspace links (`link:`) are not followed: the workspace graph covers them.
 * An importer the lockfile does not have resolves to nothing.
 */
export function resolveImporter(lockfile: Lockfile, importerId: string): Map<string, string[]> {
  const byName = new Map<string, string[]>();
  for (const depPath of closureOf(lockfile, [importerId])) {
    const { name, version } = splitDepPath(depPath);
    const versions = byName.get(name);
    if (versions === undefined) byName.set(name, [version]);
    else versions.push(version);
  }
  for (const versions of byName.values()) versions.sort(compareStrings);
  return new Map([...byName].sort(([a], [b]) => compareStrings(a, b)));
}

/**
 * The importers whose resolution differs between two lockfiles (importer ids sorted, changes
 * sorted by name); importers only in `before` are compared with nothing. When a lockfile-wide
 * setting differs, or there was no lockfile before, every importer of `after` gets the single
 * change named {@link LOCKFILE_SETTINGS_CHANGE} instead of its package changes.
 */
export function diffLockfileImporters(
  before: Lockfile | undefined,
  after: Lockfile,
): Map<string, LockfileChange[]> {
  const settingsChange = diffTopLevel(before, after);
  const ids = new Set([...(before?.importers.keys() ?? []), ...after.importers.keys()]);
  const result = new Map<string, LockfileChange[]>();
  for (const id of [...ids].sort(compareStrings)) {
    if (settingsChange !== undefined && after.importers.has(id)) {
      result.set(id, [settingsChange]);
      continue;
    }
    const changes = diffResolutions(
      before === undefined ? new Map() : resolveImporter(before, id),
      resolveImporter(after, id),
    );
    if (changes.length > 0) result.set(id, changes);
  }
  return result;
}

/** One line for a change: `express 4.21.1 → 4.21.2`, `added left-pad 1.3.0`, `removed ms 2.1.3`. */
export function describeLockfileChange(change: LockfileChange): string {
  if (change.name === LOCKFILE_SETTINGS_CHANGE) {
    // Every parsed lockfile has a lockfileVersion: one only on the after side means none before.
    const isVersion = (entry: string) => settingKey(entry) === 'lockfileVersion';
    if (change.after.some(isVersion) && !change.before.some(isVersion)) return 'no lockfile before';
    const keys = new Set([...change.before, ...change.after].map(settingKey));
    return `lockfile settings changed: ${[...keys].sort(compareStrings).join(', ')}`;
  }
  const before = change.before.join(', ');
  const after = change.after.join(', ');
  if (change.before.length === 0) return `added ${change.name} ${after}`;
  if (change.after.length === 0) return `removed ${change.name} ${before}`;
  return `${change.name} ${before} → ${after}`;
}

/**
 * The YAML of a `pnpm-lock.yaml`, parsed (the project's document): plain objects, arrays,
 * strings, numbers, booleans and nulls as a lockfile holds them. Throws LOCKFILE_INVALID when
 * the text is no YAML or empty; the lockfile's structure is checked by parseLockfile.
 */
export function parseLockfileYaml(text: string, file: string): unknown {
  // pnpm 11 and later may put an "env" document (pnpm's own version, config dependencies)
  // before the project's; the project's lockfile is always the last document.
  // js-yaml, the parser pnpm itself uses, reads a 20,000-line lockfile several times faster
  // than a document-preserving parser, which matters for planning large workspaces.
  let documents: unknown[];
  try {
    documents = loadAll(text);
  } catch (cause) {
    const mark = (cause as { mark?: { line: number; column: number } }).mark;
    const reason =
      (cause as { reason?: string }).reason ??
      (cause instanceof Error ? cause.message.split('\n')[0] : String(cause));
    const at = mark === undefined ? '' : `:${mark.line + 1}:${mark.column + 1}`;
    throw new BuildImagesError('LOCKFILE_INVALID', `${file}${at}: not valid YAML: ${reason}`, {
      hint: 'Resolve any merge conflict in it, or regenerate it with `pnpm install`.',
      cause,
    });
  }
  const document = documents.at(-1);
  if (document === undefined || document === null) {
    throw new BuildImagesError('LOCKFILE_INVALID', `${file}: is empty`, { hint: regenerateHint });
  }
  return document;
}

type Invalid = (message: string) => BuildImagesError;

function parseImporter(raw: unknown, where: string, invalid: Invalid): LockfileImporter {
  if (raw !== null && !isRecord(raw)) throw invalid(`${where} must be a mapping`);
  const fields = raw ?? {};
  const dependencies = (field: ImporterDependencyField) => {
    const map = new Map<string, LockfileDependency>();
    const section = fields[field];
    if (section === undefined || section === null) return map;
    if (!isRecord(section)) throw invalid(`${where}.${field} must be a mapping`);
    for (const [name, dep] of Object.entries(section)) {
      if (!isRecord(dep) || typeof dep.specifier !== 'string' || typeof dep.version !== 'string') {
        throw invalid(`${where}.${field}["${name}"] must have a string specifier and version`);
      }
      map.set(name, { specifier: dep.specifier, version: dep.version });
    }
    return map;
  };
  const other = new Map(
    Object.entries(fields).filter(
      ([key]) => !(importerDependencyFields as readonly string[]).includes(key),
    ),
  );
  return {
    dependencies: dependencies('dependencies'),
    devDependencies: dependencies('devDependencies'),
    optionalDependencies: dependencies('optionalDependencies'),
    other,
  };
}

function parseSnapshot(raw: unknown, where: string, invalid: Invalid): LockfileSnapshot {
  if (raw !== null && !isRecord(raw)) throw invalid(`${where} must be a mapping`);
  const references = (field: (typeof snapshotDependencyFields)[number]) => {
    const map = new Map<string, string>();
    const section = raw?.[field];
    if (section === undefined || section === null) return map;
    if (!isRecord(section)) throw invalid(`${where}.${field} must be a mapping`);
    for (const [name, reference] of Object.entries(section)) {
      if (typeof reference !== 'string')
        throw invalid(`${where}.${field}["${name}"] must be a string`);
      map.set(name, reference);
    }
    return map;
  };
  return {
    dependencies: references('dependencies'),
    optionalDependencies: references('optionalDependencies'),
  };
}

/**
 * The workspace links pnpm made: per importer, dependency key → the directory (relative to
 * the root, POSIX) its `link:` reference points at.
 */
export function workspaceLinks(lockfile: Lockfile): Map<string, Map<string, string>> {
  const links = new Map<string, Map<string, string>>();
  for (const [id, importer] of lockfile.importers) {
    const own = new Map<string, string>();
    for (const field of importerDependencyFields) {
      for (const [name, dep] of importer[field]) {
        if (!dep.version.startsWith('link:')) continue;
        const target = posix.normalize(posix.join(id, dep.version.slice('link:'.length)));
        own.set(name, target.replace(/\/+$/, '') || '.');
      }
    }
    if (own.size > 0) links.set(id, own);
  }
  return links;
}

/** Dep paths (snapshot keys) reachable from the importers, workspace links left out. */
export function closureOf(lockfile: Lockfile, importerIds: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const queue: string[] = [];
  const visit = (name: string, reference: string) => {
    const depPath = depPathOf(reference, name);
    if (depPath === undefined || seen.has(depPath)) return;
    seen.add(depPath);
    queue.push(depPath);
  };
  for (const id of importerIds) {
    const importer = lockfile.importers.get(id);
    if (importer === undefined) continue;
    for (const field of importerDependencyFields) {
      for (const [name, dep] of importer[field]) visit(name, dep.version);
    }
  }
  for (let depPath = queue.pop(); depPath !== undefined; depPath = queue.pop()) {
    // A dep path without a snapshot (a hand-edited or truncated lockfile) is kept as a leaf.
    const snapshot = lockfile.snapshots.get(depPath);
    if (snapshot === undefined) continue;
    for (const field of snapshotDependencyFields) {
      for (const [name, reference] of snapshot[field]) visit(name, reference);
    }
  }
  return seen;
}

/**
 * The dep path a reference points at, as pnpm's `refToRelative` computes it: a reference
 * that already names a package (an alias, `string-width@4.2.3` or `@scope/x@1.0.0`) is a dep
 * path itself; anything else (a version, `file:…`, a URL) is prefixed with the dependency's
 * name. An '@' only names a package when it comes before any ':' (URLs such as
 * `git+ssh://git@host/…`) and before the suffix's '(' (`1.0.0(react@18.2.0)`).
 */
export function depPathOf(reference: string, name: string): string | undefined {
  if (reference.startsWith('link:')) return undefined;
  if (reference.startsWith('@')) return reference;
  const at = reference.indexOf('@');
  if (at === -1) return `${name}@${reference}`;
  const colon = reference.indexOf(':');
  const paren = reference.indexOf('(');
  const namesPackage = (colon === -1 || at < colon) && (paren === -1 || at < paren);
  return namesPackage ? reference : `${name}@${reference}`;
}

/**
 * Splits a dep path at the first '@' after position 0: a package name holds an '@' only at
 * the start of a scope, while the version part may hold more (peers, URLs), so the last '@'
 * would be wrong.
 */
export function splitDepPath(depPath: string): { name: string; version: string } {
  const at = depPath.indexOf('@', 1);
  if (at === -1) return { name: depPath, version: '' };
  return { name: depPath.slice(0, at), version: depPath.slice(at + 1) };
}

/**
 * The `packages` key of a dep path: without the trailing parenthesised groups (patch hash,
 * then peers, which may nest). Scanned from the end so a '(' inside the version is kept.
 */
export function withoutSuffix(depPath: string): string {
  let start = depPath.length;
  let depth = 0;
  for (let i = depPath.length - 1; i >= 0; i--) {
    const char = depPath[i];
    if (char === ')') depth++;
    else if (char === '(') {
      depth--;
      if (depth === 0) start = i;
    } else if (depth === 0) break;
  }
  return depPath.slice(0, start);
}

function diffTopLevel(before: Lockfile | undefined, after: Lockfile): LockfileChange | undefined {
  const wide = (lockfile: Lockfile | undefined) =>
    new Map(
      [...(lockfile?.topLevel ?? [])]
        .filter(([key]) => !perImporterTopLevelKeys.has(key))
        .map(([key, value]) => [key, `${key}: ${canonicalJson(value)}`]),
    );
  const was = wide(before);
  const is = wide(after);
  const changed = [...new Set([...was.keys(), ...is.keys()])]
    .filter((key) => was.get(key) !== is.get(key))
    .sort(compareStrings);
  if (changed.length === 0) return undefined;
  const side = (entries: Map<string, string>) => changed.flatMap((key) => entries.get(key) ?? []);
  return { name: LOCKFILE_SETTINGS_CHANGE, before: side(was), after: side(is) };
}

function diffResolutions(
  before: Map<string, string[]>,
  after: Map<string, string[]>,
): LockfileChange[] {
  const names = [...new Set([...before.keys(), ...after.keys()])].sort(compareStrings);
  return names.flatMap((name) => {
    const was = before.get(name) ?? [];
    const is = after.get(name) ?? [];
    return was.join('\n') === is.join('\n') ? [] : [{ name, before: was, after: is }];
  });
}

function settingKey(entry: string): string {
  return entry.slice(0, entry.indexOf(':'));
}

/** JSON with object keys sorted at every depth, so equal values give equal text. */
function canonicalJson(value: unknown): string {
  return (
    JSON.stringify(value, (_key, inner: unknown) =>
      isRecord(inner)
        ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => compareStrings(a, b)))
        : inner,
    ) ?? 'null'
  );
}

/** Code-unit order: the same on every machine, unlike localeCompare. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
