import { existsSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Logger } from '@acme/logger';
import sirv from 'sirv';

export interface WebServerOptions {
  /** The directory with the built client (index.html, assets/). */
  publicDir: string;
  logger: Logger;
}

/**
 * An HTTP server (not yet listening) that answers GET /health and serves the static files of
 * `publicDir`; Vite's hashed files under /assets/ are cached for good, the rest revalidated.
 */
export function createWebServer({ publicDir, logger }: WebServerOptions): Server {
  if (!existsSync(join(publicDir, 'index.html'))) {
    throw new Error(`${publicDir} has no index.html: build the client first (vite build)`);
  }
  const serveStatic = sirv(publicDir, {
    etag: true,
    setHeaders(res, pathname) {
      res.setHeader(
        'Cache-Control',
        pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });

  const server = createServer((req, res) => {
    const started = performance.now();
    // Once closing, answer without keep-alive, and drop connections that become idle, so
    // that close() does not wait for clients' keep-alive timeouts.
    if (!server.listening) res.shouldKeepAlive = false;
    res.once('finish', () => {
      const durationMs = Math.round(performance.now() - started);
      logger.info(
        { method: req.method, url: req.url, status: res.statusCode, durationMs },
        'request',
      );
      if (!server.listening) setImmediate(() => server.closeIdleConnections());
    });

    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      sendJson(res, 405, { error: 'method not allowed' });
      return;
    }
    const pathname = (req.url ?? '/').split('?')[0];
    if (pathname === '/health') {
      sendJson(res, 200, { status: 'ok' });
      return;
    }
    serveStatic(req, res, () => sendJson(res, 404, { error: 'not found' }));
  });
  return server;
}

/** Stops accepting connections, closes idle keep-alive ones, and resolves once all are closed. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeIdleConnections();
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(json),
    'Cache-Control': 'no-store',
  });
  res.end(json);
}
