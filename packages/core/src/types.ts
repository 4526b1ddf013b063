/** Branded ids: an app's image name and a package's name are both strings, easy to mix up. */
export type AppName = string & { readonly __brand: 'AppName' };
export type PackageName = string & { readonly __brand: 'PackageName' };

export const dependencyFields = [
  'dependencies',
  'devDependencies',
  'optionalDependencies',
  'peerDependencies',
] as const;
export type DependencyField = (typeof dependencyFields)[number];

/** A package of the workspace as read from disk; paths are POSIX and relative to the root. */
export interface WorkspacePackage {
  name: PackageName;
  version: string | undefined;
  /** Directory relative to the workspace root, e.g. `apps/api`; `.` for the root. */
  dir: string;
  /** Manifest path relative to the root, for messages. */
  manifestPath: string;
  dependencies: Partial<Record<DependencyField, Record<string, string>>>;
  main: string | undefined;
  scripts: Record<string, string>;
  /** The raw `buildImages` field of the manifest, validated when apps are planned. */
  buildImages: unknown;
  /**
   * Root-relative POSIX paths of files outside every workspace package that the package's
   * build reads (the root tsconfigs its tsconfig extends); absent: none.
   */
  buildInputs?: string[];
  /**
   * Root-relative files and folders (`lexicons/`) outside the workspace packages that its own
   * Dockerfile copies for the build (see PackageFacts.dockerfileCopies): inputs of its build
   * and of every package stage its build compiles.
   */
  dockerfileInputs?: string[];
  /** `"private": true` in the manifest. */
  private?: boolean;
  /** Whether the manifest says what to publish (`files` or `publishConfig`): a library's mark. */
  publishable?: boolean;
  exports?: unknown;
  bin?: unknown;
  /** `engines.node` of the manifest, when it is a string. */
  enginesNode?: string;
  /** What the reader saw beside the manifest that tells what the package is and runs. */
  facts?: PackageFacts;
  /** What the package's build writes and ships (read from its files; see BuildHints). */
  buildHints?: BuildHints;
}

export interface PackageFacts {
  /** Dockerfiles or Containerfiles in the package directory (file names). */
  dockerfiles: string[];
  /** A `binding.gyp` beside the manifest: the package compiles a native addon at install. */
  nativeAddon?: boolean;
  /**
   * The file its `main` or `exports` entry names when that file is not in the checkout and no
   * script of its own (build, prepare, postinstall, code generation) makes it: something else
   * builds it (keystone's root `preconstruct build`).
   */
  unbuiltEntry?: string;
  /** A Cloudflare Workers config beside the manifest (`wrangler.toml`, `wrangler.jsonc`): its name. */
  wranglerConfig?: string;
  /** Nest's entry file name without extension (nest-cli.json `entryFile`, default `main`), when nest-cli.json exists. */
  nestEntry?: string;
  /** The first `EXPOSE` of a Dockerfile beside the manifest, and that file's name. */
  dockerfilePort?: { file: string; port: number };
  /** The path its `HEALTHCHECK` probes on that port (`curl -f http://localhost:3000/health`). */
  dockerfileHealthPath?: string;
  /**
   * What a Dockerfile beside the manifest runs: its final stage's exec-form ENTRYPOINT (an init
   * such as tini left out) and CMD, that file's name, and the folder it runs in (the final
   * stage's WORKDIR, when it has a literal one).
   */
  dockerfileCommand?: {
    file: string;
    command: string[];
    /** Which instructions of its final stage said it: `CMD` unless an ENTRYPOINT other than an init did. */
    instruction?: 'CMD' | 'ENTRYPOINT' | 'ENTRYPOINT and CMD';
    workdir?: string;
  };
  /** The environment a Dockerfile beside the manifest gives its build step (see buildEnvironmentOf), and that file's name. */
  /** `file` is relative to the package, or to the root when `shared` (a Dockerfile outside it). */
  dockerfileBuildEnv?: { file: string; env: Record<string, string>; shared?: true };
  /**
   * What a Dockerfile beside the manifest copies from its build context (`COPY ./lexicons
   * ./lexicons`), sources as written without a leading `./`, and that file's name: only for a
   * file whose context is the workspace root (it copies the lockfile, the workspace file or the
   * package's own folder by its path from the root).
   */
  dockerfileCopies?: { file: string; sources: string[] };
  /** The Prisma schema the package generates a client from (`prisma.schema` in the manifest, `prisma/schema.prisma`, or `schema.prisma`). */
  prismaSchema?: string;
}

/**
 * Something pnpm accepts but that may surprise: reported on stderr, planning goes on.
 * Each names the file (and the package, when there is one).
 */
export interface WorkspaceWarning {
  kind:
    | 'glob-matches-nothing'
    | 'nameless-package'
    | 'cycle-outside-apps'
    | 'build-input-outside-workspace'
    | 'node-version'
    | 'sensitive-file-left-out'
    | 'lockfile-missing'
    | 'app-removed'
    | 'hoisted-dependencies';
  /** The file the warning is about, relative to the root (e.g. `pnpm-workspace.yaml`). */
  file: string;
  package: PackageName | undefined;
  message: string;
}

/** Facts about a package's build output, read from its own files as plain values. */
export interface BuildHints {
  /** The manifest's `files` list, when it has one. */
  files?: string[];
  /** `compilerOptions.outDir` of its tsconfig.build.json or tsconfig.json, relative to the package, when stated there. */
  tsOutDir?: string;
  /**
   * Next.js `output` from next.config.{js,mjs,ts,cjs}: `standalone`, `export`, or `server`
   * when the config states no output (next start); undefined without a next.config file.
   */
  nextOutput?: 'standalone' | 'export' | 'server';
  /**
   * When next.config's `output` is conditional, the environment variables its condition reads
   * (empty: none that can be seen).
   */
  nextOutputEnv?: string[];
}

export interface Workspace {
  /** Absolute path of the directory that holds pnpm-workspace.yaml. */
  root: string;
  packages: WorkspacePackage[];
  /**
   * The name the root manifest shares with one of the packages, when it does: the root is then
   * left out of `packages`, and commands select that package by folder (pnpm's filter by name
   * would select both).
   */
  rootNamesake?: PackageName;
  /** Files at the root that every install needs, when present (relative paths). */
  rootFiles: string[];
  /** pnpm's linkWorkspacePackages setting from pnpm-workspace.yaml. */
  linkWorkspacePackages: boolean;
  /**
   * pnpm-workspace.yaml's settings about dependencies' install scripts, as written
   * (`onlyBuiltDependencies`, `neverBuiltDependencies`, `allowBuilds`, `dangerouslyAllowAllBuilds`).
   */
  buildSettings?: Readonly<Record<string, unknown>>;
  /** The workspace links pnpm-lock.yaml records (see workspaceLinks); absent without a lockfile. */
  lockfileLinks?: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** Problems found while reading (each names its file), reported with the graph's. */
  problems: string[];
  /** What pnpm accepts but the user may want to know: printed, planning goes on. */
  warnings: WorkspaceWarning[];
}
