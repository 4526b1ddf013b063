import semver from 'semver';
import type { PackageName, WorkspaceWarning } from './types.js';

/** A pinned public Node base per supported major, and its shell-less runtime for bundles. */
export interface NodeImages {
  version: string;
  image: string;
  bundleImage: string;
}

/** The majors build-images pins images for; the first is the default. */
export const pinnedNodeImages: Readonly<Record<number, NodeImages>> = {
  24: {
    version: '24.21.0',
    image: 'node:24.21.0-bookworm-slim',
    bundleImage: 'gcr.io/distroless/nodejs24-debian12:nonroot',
  },
  22: {
    version: '22.23.3',
    image: 'node:22.23.3-bookworm-slim',
    bundleImage: 'gcr.io/distroless/nodejs22-debian12:nonroot',
  },
  20: {
    version: '20.20.2',
    image: 'node:20.20.2-bookworm-slim',
    bundleImage: 'gcr.io/distroless/nodejs20-debian12:nonroot',
  },
};

export const defaultNodeMajor = 24;

/** Which Node the images run, and why. Plain data. */
export interface NodePlan extends NodeImages {
  major: number;
  /** Where the choice came from: `.nvmrc (20.8.1)`, `engines.node (>=20 <21)`, `default`. */
  source: string;
}

/** Files at the workspace root that name a Node version, by name (absent ones left out). */
export type NodeVersionFiles = Readonly<Partial<Record<NodeVersionFile, string>>>;
export const nodeVersionFiles = ['.nvmrc', '.node-version', '.tool-versions'] as const;
export type NodeVersionFile = (typeof nodeVersionFiles)[number];

/** nvm's LTS code names, for `.nvmrc` files that say `lts/iron`. */
const ltsNames: Readonly<Record<string, number>> = {
  hydrogen: 18,
  iron: 20,
  jod: 22,
  krypton: 24,
};

/**
 * Chooses the Node major of the images the way a developer's tools do: the version file the
 * team's shell uses (`.nvmrc`, `.node-version`, asdf's `.tool-versions`), else Volta's pin,
 * else the root manifest's `engines.node` (the newest pinned major it allows), else Node 24.
 * The exact version is build-images' pinned one of that major, the latest patch it tested,
 * not an old patch a version file may name. Pure; what it cannot honour is a warning.
 */
export function resolveNode(
  rootManifest: string,
  files: NodeVersionFiles,
): { node: NodePlan; warnings: WorkspaceWarning[] } {
  const warnings: WorkspaceWarning[] = [];
  let manifest: { engines?: { node?: unknown }; volta?: { node?: unknown } } = {};
  try {
    manifest = JSON.parse(rootManifest) as typeof manifest;
  } catch {
    // The workspace reader reports an unreadable root manifest itself.
  }
  const requests: { source: string; file: string; range: string }[] = [];
  for (const name of nodeVersionFiles) {
    const text = files[name];
    if (text === undefined) continue;
    const value =
      name === '.tool-versions'
        ? /^\s*(?:nodejs|node)\s+(\S+)/m.exec(text)?.[1]
        : text
            .split('\n')
            .map((line) => line.replace(/#.*/, '').trim())
            .find(Boolean);
    if (value === undefined) continue;
    const range = versionRange(value);
    if (range === undefined) {
      warnings.push({
        kind: 'node-version',
        package: undefined,
        file: name,
        message: `${name}: "${value}" is not a Node version build-images understands; the images use Node ${defaultNodeMajor}`,
      });
      continue;
    }
    requests.push({ source: `${name} (${value})`, file: name, range });
  }
  if (typeof manifest.volta?.node === 'string') {
    const range = versionRange(manifest.volta.node);
    if (range !== undefined)
      requests.push({ source: `volta.node (${manifest.volta.node})`, file: 'package.json', range });
  }
  const engines = typeof manifest.engines?.node === 'string' ? manifest.engines.node : undefined;
  if (engines !== undefined && semver.validRange(engines) !== null)
    requests.push({
      source: `engines.node (${engines})`,
      file: 'package.json',
      // An exact version (cosmo's "22.22.2") asks for its major, as a version file does: the
      // images run that major's pinned patch.
      range: semver.valid(engines.trim().replace(/^v/i, '')) ? versionRange(engines)! : engines,
    });

  const chosen = requests[0];
  if (chosen === undefined) return { node: planFor(defaultNodeMajor, 'default'), warnings };
  const major = newestAllowed(chosen.range);
  if (major === undefined) {
    warnings.push({
      kind: 'node-version',
      package: undefined,
      file: chosen.file,
      message: `${chosen.source} asks for a Node major build-images pins no image for (${Object.keys(pinnedNodeImages).join(', ')}); the images use Node ${defaultNodeMajor}. Set "baseImage" in build-images.config.json to a pinned image of the Node you need`,
    });
    return { node: planFor(defaultNodeMajor, 'default'), warnings };
  }
  let node = planFor(major, chosen.source);
  // engines.node is what the packages say they run on (pnpm's engine-strict refuses others):
  // a version file or Volta pin it does not allow gives way to it (postiz: volta 20, engines 22).
  const declared = requests.find((request) => request.source.startsWith('engines.node'));
  if (
    declared !== undefined &&
    declared !== chosen &&
    !semver.satisfies(node.version, declared.range)
  ) {
    const allowed = newestAllowed(declared.range);
    if (allowed !== undefined) {
      warnings.push({
        kind: 'node-version',
        package: undefined,
        file: chosen.file,
        message: `${chosen.source} asks for Node ${major}, which ${declared.source} does not allow; the images use Node ${planFor(allowed, declared.source).version}, which it does: make them agree`,
      });
      node = planFor(allowed, declared.source);
    }
  }
  for (const other of requests.slice(1)) {
    if (other === declared && node.source === declared.source) continue;
    if (!semver.satisfies(node.version, other.range)) {
      warnings.push({
        kind: 'node-version',
        package: undefined,
        file: other.file,
        message: `${other.source} does not allow Node ${node.version}, which ${chosen.source} chose; make them agree`,
      });
    }
  }
  return { node, warnings };
}

/**
 * Whether an app's own `engines.node` allows the chosen Node: a warning naming its manifest
 * when not, as pnpm itself only warns (unless engine-strict).
 */
export function checkAppEngines(
  node: NodePlan,
  apps: readonly { dir: string; packageName: PackageName; engines: string | undefined }[],
): WorkspaceWarning[] {
  return apps.flatMap((app): WorkspaceWarning[] =>
    app.engines !== undefined &&
    semver.validRange(app.engines) !== null &&
    !semver.satisfies(node.version, app.engines)
      ? [
          {
            kind: 'node-version',
            package: app.packageName,
            file: `${app.dir}/package.json`,
            message: `${app.dir}/package.json: engines.node "${app.engines}" does not allow Node ${node.version} (${node.source}); pin the Node the app needs in .nvmrc or "baseImage"`,
          },
        ]
      : [],
  );
}

function planFor(major: number, source: string): NodePlan {
  return { ...pinnedNodeImages[major]!, major, source };
}

/** The newest pinned major whose pinned version the range allows. */
function newestAllowed(range: string): number | undefined {
  return Object.keys(pinnedNodeImages)
    .map(Number)
    .sort((a, b) => b - a)
    .find((major) => semver.satisfies(pinnedNodeImages[major]!.version, range));
}

/**
 * A version file's value as a semver range: `20`, `v20.8.1` and `20.8` mean that major
 * (a patch pinned there is usually just the one the team last installed), `lts/iron` its
 * major; `lts/*`, `node`, `stable` and `latest` the default.
 */
function versionRange(value: string): string | undefined {
  const text = value.trim().replace(/^v/i, '');
  const lts = /^lts\/(.+)$/i.exec(text)?.[1]?.toLowerCase();
  if (lts !== undefined) {
    if (lts === '*' || lts === 'latest') return `${defaultNodeMajor}.x`;
    const major = ltsNames[lts];
    return major === undefined ? undefined : `${major}.x`;
  }
  if (/^(node|stable|latest|current)$/i.test(text)) return `${defaultNodeMajor}.x`;
  const major = /^(\d+)(?:\.(\d+|x))?(?:\.(\d+|x))?$/.exec(text)?.[1];
  if (major !== undefined) return `${major}.x`;
  return semver.validRange(text) ?? undefined;
}
