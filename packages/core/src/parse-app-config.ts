import type { WorkspacePackage } from './types.js';

/** What an app may say about its image in the `buildImages` field of its package.json. */
export interface AppConfig {
  /** The port the app listens on: `EXPOSE` and the health check use it. */
  port: number | undefined;
  /** An HTTP path answered with 2xx when the app is healthy; needs `port`. */
  healthPath: string | undefined;
  /** The container command, run by node directly (exec form); default `node <main>`. */
  command: string[] | undefined;
}

const knownKeys = ['port', 'healthPath', 'command'] as const;

/** Parses and validates `buildImages`; each problem names the manifest and the field. */
export function parseAppConfig(pkg: WorkspacePackage): { config: AppConfig; problems: string[] } {
  const problems: string[] = [];
  const config: AppConfig = { port: undefined, healthPath: undefined, command: undefined };
  const raw = pkg.buildImages;
  const where = (field: string) => `${pkg.manifestPath}: buildImages.${field}`;
  if (raw === undefined) return { config, problems };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { config, problems: [`${pkg.manifestPath}: "buildImages" must be an object`] };
  }
  const fields = raw as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!(knownKeys as readonly string[]).includes(key)) {
      problems.push(`${where(key)} is not a known option (known: ${knownKeys.join(', ')})`);
    }
  }
  const { port, healthPath, command } = fields;
  if (port !== undefined) {
    if (typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65536) {
      config.port = port;
    } else {
      problems.push(`${where('port')} must be a whole number from 1 to 65535, got ${JSON.stringify(port)}`);
    }
  }
  if (healthPath !== undefined) {
    if (typeof healthPath === 'string' && /^\/[\x21-\x7e]*$/.test(healthPath) && !/['"\\]/.test(healthPath)) {
      config.healthPath = healthPath;
    } else {
      problems.push(`${where('healthPath')} must be a URL path starting with "/", got ${JSON.stringify(healthPath)}`);
    }
    if (port === undefined) problems.push(`${where('healthPath')} needs buildImages.port to be set too`);
  }
  if (command !== undefined) {
    if (Array.isArray(command) && command.length > 0 && command.every((part) => typeof part === 'string' && part !== '')) {
      config.command = command as string[];
    } else {
      problems.push(`${where('command')} must be a non-empty array of strings (exec form), e.g. ["node", "dist/main.js"]`);
    }
  }
  return { config, problems };
}
