import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import {
  Server,
  ServerCredentials,
  status,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';

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

/*
 * The messages are a handful of string and bytes fields, so they are coded by hand rather
 * than through a .proto loader. Field numbers, from moby/buildkit and grpc:
 *   grpc.health.v1 (health.proto): HealthCheckRequest { string service = 1 }
 *     HealthCheckResponse { ServingStatus status = 1 }  (SERVING = 1)
 *   moby.buildkit.secrets.v1 (session/secrets/secrets.proto):
 *     GetSecretRequest { string ID = 1; map<string,string> annotations = 2 }
 *     GetSecretResponse { bytes data = 1 }
 *   moby.filesync.v1 (session/auth/auth.proto): CredentialsRequest { string Host = 1 }
 *     CredentialsResponse { string Username = 1; string Secret = 2 }
 */

function encodeVarint(value: number): number[] {
  const bytes: number[] = [];
  while (value > 0x7f) {
    bytes.push((value & 0x7f) | 0x80);
    value = Math.floor(value / 128);
  }
  bytes.push(value);
  return bytes;
}

/** Length-delimited fields (strings, bytes) by field number; other wire types are skipped. */
function decodeFields(buffer: Buffer): Map<number, Buffer> {
  const fields = new Map<number, Buffer>();
  let offset = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 1;
    for (;;) {
      const byte = buffer[offset++];
      if (byte === undefined) throw new Error('truncated protobuf message');
      result += (byte & 0x7f) * shift;
      if (byte < 0x80) return result;
      shift *= 128;
    }
  };
  while (offset < buffer.length) {
    const tag = varint();
    const wireType = tag & 7;
    if (wireType === 0) varint();
    else if (wireType === 1) offset += 8;
    else if (wireType === 5) offset += 4;
    else if (wireType === 2) {
      const length = varint();
      fields.set(Math.floor(tag / 8), buffer.subarray(offset, offset + length));
      offset += length;
    } else throw new Error(`unsupported protobuf wire type ${wireType}`);
  }
  return fields;
}

function encodeBytesFields(fields: readonly (readonly [number, Buffer])[]): Buffer {
  return Buffer.concat(
    fields.map(([field, value]) =>
      Buffer.concat([
        Buffer.from([...encodeVarint(field * 8 + 2), ...encodeVarint(value.length)]),
        value,
      ]),
    ),
  );
}

function unaryMethod<Request, Response>(
  path: string,
  decode: (buffer: Buffer) => Request,
  encode: (value: Response) => Buffer,
) {
  return {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: () => {
      throw new Error(`${path}: this session only serves`);
    },
    requestDeserialize: decode,
    responseSerialize: encode,
    responseDeserialize: () => {
      throw new Error(`${path}: this session only serves`);
    },
  };
}

const healthCheck = unaryMethod<object, void>(
  '/grpc.health.v1.Health/Check',
  // Not undefined: grpc-js takes an undefined request for a missing one and fails the call.
  () => ({}),
  () => Buffer.from([0x08, 0x01]),
);
const getSecret = unaryMethod<string, Buffer>(
  '/moby.buildkit.secrets.v1.Secrets/GetSecret',
  (buffer) => decodeFields(buffer).get(1)?.toString('utf8') ?? '',
  (data) => encodeBytesFields([[1, data]]),
);
const credentials = unaryMethod<string, void>(
  '/moby.filesync.v1.Auth/Credentials',
  (buffer) => decodeFields(buffer).get(1)?.toString('utf8') ?? '',
  // Empty credentials: BuildKit then pulls anonymously, as it would without the service.
  () => Buffer.alloc(0),
);

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
      { Check: healthCheck },
      { Check: (_call: unknown, callback: UnaryCallback<void>) => callback(null, undefined) },
    ],
    [
      { GetSecret: getSecret },
      {
        GetSecret: (call: UnaryCall<string>, callback: UnaryCallback<Buffer>) => {
          const data = options.secrets.get(call.request);
          if (data === undefined)
            callback({ code: status.NOT_FOUND, details: `secret ${call.request} not found` });
          else callback(null, data);
        },
      },
    ],
    [
      { Credentials: credentials },
      { Credentials: (_call: unknown, callback: UnaryCallback<void>) => callback(null, undefined) },
    ],
  ];
  for (const [definition, implementation] of services)
    server.addService(definition, implementation);
  const methods = [healthCheck, getSecret, credentials].map((method) => method.path);

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
          ? reject(error instanceof Error ? error : new Error(String(error)))
          : resolve(connection as Duplex),
    );
  });
  // The engine closing the session shows up in the builds that use it; nothing to do here.
  socket.on('error', () => undefined);
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
