import { Writable } from 'node:stream';
import { createLogger } from '@acme/logger';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.js';

let app: App;
let logLines: Record<string, unknown>[];

beforeEach(() => {
  logLines = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line !== '') logLines.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  app = buildApp({ logger: createLogger('api', { level: 'info', destination }) });
});

afterEach(async () => {
  await app.close();
});

describe('GET /health', () => {
  it('answers 200 {"status":"ok"}', async () => {
    const response = await app.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.json()).toEqual({ status: 'ok' });
  });
});

describe('GET /hello/:name', () => {
  it('greets by name and logs the greeting', async () => {
    const response = await app.inject({ method: 'GET', url: '/hello/Ada' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ message: 'Hello, Ada!' });
    expect(logLines).toContainEqual(
      expect.objectContaining({ name: 'api', msg: 'greeting', visitor: 'Ada' }),
    );
  });

  it('decodes the name from the path', async () => {
    const response = await app.inject({ method: 'GET', url: '/hello/J%C3%BCrgen%20K' });
    expect(response.json()).toEqual({ message: 'Hello, Jürgen K!' });
  });

  it('rejects a name longer than 64 characters', async () => {
    const response = await app.inject({ method: 'GET', url: `/hello/${'x'.repeat(65)}` });
    expect(response.statusCode).toBe(400);
  });
});

it('answers 404 for unknown routes', async () => {
  const response = await app.inject({ method: 'GET', url: '/nope' });
  expect(response.statusCode).toBe(404);
});
