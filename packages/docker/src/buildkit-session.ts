import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import type Docker from 'dockerode';
import { BuildImagesError } from '@build-images/core';
import { fromJSON } from '@grpc/proto-loader';
import {
  Server,
  ServerCredentials,
  status,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { buildkitProtos } from './buildkit-protos.js';
import { engineLabel } from './docker-image-builder.js';

/** A BuildKit session on the engine: builds name it with the `session` query parameter. */
export interface BuildkitSession {
  id: string;
  /** Ends the session; builds still using it lose their secrets. Safe to call twice. */
  close(): Promise<void>;
}

export interface BuildkitSessionOptions {
  /** Secrets by id, for `RUN --mount=type=secret,id=<id>`. */
  secrets: ReadonlyMap<string, Buffer>;
}

/** Method definitions (paths, serializers) of the session's services, from buildkit-protos.ts. */
const definitions = fromJSON(buildkitProtos.toJSON(), { defaults: true });
const service = (name: string) => definitions[name] as ServiceDefinition;

type UnaryCall<Request> = { request: Request };
type UnaryCallback<Response> = (
  error: { code: number; details: string } | null,
  value?: Response,
) => void;

/**
 * Opens a BuildKit session on the engine (POST /session, upgraded to h2c) and serves gRPC
 * over the hijacked connection: the health check the engine polls every second (it drops
 * a session that does not answer), the secrets of `RUN --mount=type=secret`, and empty
 * registry credentials. One session serves every build of a run.
 *
 * dockerode's `buildImage` opens a session of its own for BuildKit builds and overwrites
 * the `session` parameter; builds that use this session dial /build themselves.
 */
export async function openBuildkitSession(
  docker: Docker,
  options: BuildkitSessionOptions,
): Promise<BuildkitSession> {
  const id = randomUUID();
  const server = new Server();
  const services: [ServiceDefinition, UntypedServiceImplementation][] = [
    [
      service('grpc.health.v1.Health'),
      {
        Check: (_call: unknown, callback: UnaryCallback<object>) =>
          callback(null, { status: 'SERVING' }),
      },
    ],
    [
      service('moby.buildkit.secrets.v1.Secrets'),
      {
        GetSecret: (call: UnaryCall<{ ID: string }>, callback: UnaryCallback<object>) => {
          const data = options.secrets.get(call.request.ID);
          if (data === undefined)
            callback({ code: status.NOT_FOUND, details: `secret ${call.request.ID} not found` });
          else callback(null, { data });
        },
      },
    ],
    [
      service('moby.filesync.v1.Auth'),
      // Empty credentials: BuildKit then pulls anonymously, as it would without the service.
      { Credentials: (_call: unknown, callback: UnaryCallback<object>) => callback(null, {}) },
    ],
  ];
  for (const [definition, implementation] of services)
    server.addService(definition, implementation);
  const methods = services.flatMap(([definition]) =>
    Object.values(definition).map((method) => method.path),
  );

  const socket = await new Promise<Duplex>((resolve, reject) => {
    docker.modem.dial(
      {
        method: 'POST',
        path: '/session',
        hijack: true,
        headers: {
          Upgrade: 'h2c',
          'X-Docker-Expose-Session-Uuid': id,
          'X-Docker-Expose-Session-Name': 'build-images',
          'X-Docker-Expose-Session-Sharedkey': id,
          // Node sends an array as one header line per value, as the engine expects.
          'X-Docker-Expose-Session-Grpc-Method': methods,
        },
        statusCodes: { 101: true, 200: true, 500: 'server error' },
      } as unknown as Parameters<Docker['modem']['dial']>[0],
      (error: unknown, connection: unknown) =>
        error
          ? reject(
              new BuildImagesError(
                'ENGINE_ERROR',
                `${engineLabel(docker).replace(/^t/, 'T')} did not open a BuildKit session (POST /session): ${error instanceof Error ? error.message : String(error)}`,
                {
                  hint: "build-images needs the session for the builds' secrets and registry logins; Engine API 1.53 deprecates POST /session, and an engine that no longer serves it cannot be used yet.",
                  cause: error,
                },
              ),
            )
          : resolve(connection as Duplex),
    );
  });
  // The engine closing the session shows up in the builds that use it; nothing to do here.
  socket.on('error', () => undefined);
  // Over TLS (tcp:// with DOCKER_TLS_VERIFY) the connection is a TLS socket that negotiated no
  // ALPN, which node's HTTP/2 server takes for HTTP/1.1 and closes at once; the upgrade made
  // it HTTP/2 (h2c inside TLS), so say so.
  if (socket instanceof TLSSocket && socket.alpnProtocol === false) socket.alpnProtocol = 'h2';
  const injector = server.createConnectionInjector(ServerCredentials.createInsecure());
  injector.injectConnection(socket);

  let closed = false;
  return {
    id,
    close: async () => {
      if (closed) return;
      closed = true;
      injector.destroy();
      server.forceShutdown();
      socket.destroy();
    },
  };
}
