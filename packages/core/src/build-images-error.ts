/**
 * The one error class for problems a user can fix: a stable code, a message that
 * names the file, package, flag or ref, and a hint that says how to fix it.
 * Plain `Error` is reserved for programmer bugs.
 */
export type ErrorCode =
  | 'USAGE'
  | 'WORKSPACE_NOT_FOUND'
  | 'WORKSPACE_INVALID'
  | 'MANIFEST_INVALID'
  | 'LOCKFILE_INVALID'
  | 'APP_NOT_FOUND'
  | 'GIT_UNAVAILABLE'
  | 'GIT_REF_NOT_FOUND'
  | 'GIT_NO_MERGE_BASE'
  | 'GIT_FAILED'
  | 'CONFIG_INVALID'
  | 'DOCKERFILE_NOT_GENERATED'
  | 'ENGINE_UNREACHABLE'
  | 'ENGINE_CONFIG_INVALID'
  | 'ENGINE_ERROR'
  | 'IMAGE_REFERENCE_INVALID'
  | 'REGISTRY_CREDENTIALS_FAILED'
  | 'REGISTRY_AUTH_FAILED'
  | 'REGISTRY_UNAVAILABLE'
  | 'REGISTRY_ERROR'
  | 'PUSH_FAILED'
  | 'PNPM_UNSUPPORTED'
  | 'INTERRUPTED';

export interface BuildImagesErrorOptions {
  hint?: string;
  cause?: unknown;
  /** Further problems reported together with this one (one per line). */
  details?: readonly string[];
}

export class BuildImagesError extends Error {
  override readonly name = 'BuildImagesError';
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: readonly string[];

  constructor(code: ErrorCode, message: string, options: BuildImagesErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.details = options.details ?? [];
  }
}

export function isBuildImagesError(error: unknown): error is BuildImagesError {
  return error instanceof BuildImagesError;
}

/** Exit codes: 0 ok, 1 a build or push failed, 2 usage or configuration, 3 engine unreachable, 130 interrupted. */
export const ExitCode = {
  ok: 0,
  buildFailed: 1,
  usage: 2,
  engineUnreachable: 3,
  interrupted: 130,
} as const;

export function exitCodeForError(error: BuildImagesError): number {
  switch (error.code) {
    case 'ENGINE_UNREACHABLE':
      return ExitCode.engineUnreachable;
    case 'ENGINE_ERROR':
    // A registry that refuses the credentials, is down or fails a push is a failed push,
    // not a usage error, even when the cause is a wrong password or a broken credential helper.
    case 'REGISTRY_CREDENTIALS_FAILED':
    case 'REGISTRY_AUTH_FAILED':
    case 'REGISTRY_UNAVAILABLE':
    case 'REGISTRY_ERROR':
    case 'PUSH_FAILED':
      return ExitCode.buildFailed;
    case 'INTERRUPTED':
      return ExitCode.interrupted;
    default:
      return ExitCode.usage;
  }
}
