import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createLogger } from '@acme/logger';
import { onShutdown } from '@acme/shutdown';
import { readPort } from './config.js';
import { closeServer, createWebServer } from './server.js';

const host = '0.0.0.0';
const logger = createLogger('web');
// dist/public sits next to this file (dist/main.js), in the repo and in a deployed /app alike.
const publicDir = join(import.meta.dirname, 'public');
const server = createWebServer({ publicDir, logger });

onShutdown(() => closeServer(server), { logger });

server.listen(readPort(process.env), host);
await once(server, 'listening');
const { port } = server.address() as AddressInfo;
logger.info({ host, port, publicDir }, 'listening');
