import { createLogger } from '@acme/logger';
import { onShutdown } from '@acme/shutdown';
import { buildApp } from './app.js';
import { readPort } from './config.js';

const host = '0.0.0.0';
const logger = createLogger('api');
const app = buildApp({ logger });

onShutdown(() => app.close(), { logger });

await app.listen({ port: readPort(process.env), host });
const address = app.server.address();
if (address !== null && typeof address === 'object') {
  logger.info({ host, port: address.port }, 'listening');
}
