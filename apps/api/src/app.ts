import type { Logger } from '@acme/logger';
import {
  fastify,
  type FastifyInstance,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';

export interface AppOptions {
  logger: Logger;
}

/** A Fastify instance whose `log` is the @acme/logger (pino) logger. */
export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  Logger
>;

interface HelloParams {
  name: string;
}

/** The HTTP app, without listening: main.ts listens, tests use `app.inject`. */
export function buildApp({ logger }: AppOptions): App {
  const app = fastify({ loggerInstance: logger });

  app.get('/health', async () => ({ status: 'ok' }));

  app.get<{ Params: HelloParams }>(
    '/hello/:name',
    {
      schema: {
        params: {
          type: 'object',
          properties: { name: { type: 'string', minLength: 1, maxLength: 64 } },
          required: ['name'],
        },
      },
    },
    async (request) => {
      const { name } = request.params;
      request.log.info({ visitor: name }, 'greeting');
      return { message: `Hello, ${name}!` };
    },
  );

  return app;
}
