import { buildkitProtos } from './buildkit-protos.js';

/**
 * Decoder for BuildKit progress from the Docker Engine build endpoint (`version: '2'`): each
 * `{"id":"moby.buildkit.trace","aux":"<base64>"}` line carries a protobuf
 * `moby.buildkit.v1.StatusResponse` (see buildkit-protos.ts).
 *
 * We decode it ourselves because dockerode's `followProgress` only passes the base64 blob on
 * (RUN output is unreadable) and treats a failed build as success.
 */

export interface BuildkitVertex {
  digest: string;
  inputs: string[];
  name: string;
  cached: boolean;
  started?: Date;
  completed?: Date;
  error?: string;
}

export interface BuildkitVertexStatus {
  id: string;
  vertex: string;
  name: string;
  current: number;
  total: number;
  timestamp?: Date;
  started?: Date;
  completed?: Date;
}

export interface BuildkitVertexLog {
  vertex: string;
  timestamp?: Date;
  /** 1 = stdout, 2 = stderr. */
  stream: number;
  data: Uint8Array;
}

export interface BuildkitStatus {
  vertexes: BuildkitVertex[];
  statuses: BuildkitVertexStatus[];
  logs: BuildkitVertexLog[];
  warnings: { vertex: string; short: string }[];
}

/** A google.protobuf.Timestamp as `toObject` gives it with `longs: Number`; null when absent. */
type Timestamp = { seconds: number; nanos: number } | null;

/** The decoded StatusResponse as `toObject` gives it with the options below. */
interface StatusResponse {
  vertexes: (Omit<BuildkitVertex, 'started' | 'completed'> & {
    started: Timestamp;
    completed: Timestamp;
  })[];
  statuses: {
    ID: string;
    vertex: string;
    name: string;
    current: number;
    total: number;
    timestamp: Timestamp;
    started: Timestamp;
    completed: Timestamp;
  }[];
  logs: { vertex: string; timestamp: Timestamp; stream: number; msg: Uint8Array }[];
  warnings: { vertex: string; short: Uint8Array }[];
}

const statusResponse = buildkitProtos.lookupType('moby.buildkit.v1.StatusResponse');
const toObjectOptions = { longs: Number, defaults: true, arrays: true };
const utf8 = new TextDecoder();

const date = (timestamp: Timestamp): Date | undefined =>
  timestamp ? new Date(timestamp.seconds * 1000 + Math.trunc(timestamp.nanos / 1e6)) : undefined;

/** Decodes one serialized `moby.buildkit.v1.StatusResponse`; throws on malformed input. */
export function decodeBuildkitStatus(bytes: Uint8Array): BuildkitStatus {
  let status: StatusResponse;
  try {
    // A Buffer: protobufjs then decodes strings as Node does, invalid UTF-8 becoming U+FFFD.
    const message = statusResponse.decode(
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length),
    );
    status = statusResponse.toObject(message, toObjectOptions) as StatusResponse;
  } catch (error) {
    throw new Error(`Malformed BuildKit status: ${(error as Error).message}`, { cause: error });
  }
  return {
    vertexes: status.vertexes.map((vertex) => ({
      digest: vertex.digest,
      inputs: vertex.inputs,
      name: vertex.name,
      cached: vertex.cached,
      started: date(vertex.started),
      completed: date(vertex.completed),
      error: vertex.error || undefined,
    })),
    statuses: status.statuses.map(({ ID, timestamp, started, completed, ...rest }) => ({
      id: ID,
      ...rest,
      timestamp: date(timestamp),
      started: date(started),
      completed: date(completed),
    })),
    logs: status.logs.map((log) => ({
      vertex: log.vertex,
      timestamp: date(log.timestamp),
      stream: log.stream,
      data: new Uint8Array(log.msg), // a copy: no view into the input
    })),
    warnings: status.warnings.map((warning) => ({
      vertex: warning.vertex,
      short: utf8.decode(warning.short),
    })),
  };
}

/** Decodes the base64 `aux` of a `{"id":"moby.buildkit.trace"}` line of the build stream. */
export function decodeBuildkitTrace(aux: string): BuildkitStatus {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(aux))
    throw new Error('Malformed BuildKit status: aux is not base64');
  return decodeBuildkitStatus(Buffer.from(aux, 'base64'));
}
