export const defaultPort = 8080;

/** The port from PORT (0 picks a free one), or the default; rejects anything else. */
export function readPort(env: NodeJS.ProcessEnv, fallback = defaultPort): number {
  const raw = env.PORT?.trim();
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`PORT must be a whole number from 0 to 65535, got ${JSON.stringify(env.PORT)}`);
  }
  return port;
}
