/**
 * Decoder for BuildKit progress from the Docker Engine build endpoint (`version: '2'`): each
 * `{"id":"moby.buildkit.trace","aux":"<base64>"}` line carries a protobuf
 * `moby.buildkit.v1.StatusResponse` (moby/buildkit api/services/control/control.proto).
 *
 * We decode it ourselves because dockerode's `followProgress` only passes the base64 blob on
 * (RUN output is unreadable) and treats a failed build as success, and a protobuf runtime is
 * overkill for five small messages. Unknown fields are skipped so newer engines keep working.
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

const VARINT = 0;
const LEN = 2;
const fail = (msg: string): never => {
  throw new Error(`Malformed BuildKit status: ${msg}`);
};
const utf8 = new TextDecoder();

class Reader {
  pos = 0;
  private readonly buf: Uint8Array;
  constructor(buf: Uint8Array) {
    this.buf = buf;
  }

  /** A varint as a signed 64-bit integer (protobuf int64/int32/bool/tag). */
  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const byte = this.buf[this.pos++] ?? fail('truncated varint');
      result |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return BigInt.asIntN(64, result);
    }
    return fail('varint longer than 10 bytes');
  }

  int(): number {
    return Number(this.varint());
  }

  bytes(): Uint8Array {
    const len = this.int();
    if (len < 0 || this.pos + len > this.buf.length) fail(`length ${len} overruns the buffer`);
    return this.buf.subarray(this.pos, (this.pos += len));
  }

  string(): string {
    return utf8.decode(this.bytes());
  }

  /** google.protobuf.Timestamp { int64 seconds = 1; int32 nanos = 2 } */
  timestamp(): Date {
    let seconds = 0n;
    let nanos = 0n;
    fields(this.bytes(), (f, w, r) => {
      if (w !== VARINT || f > 2) return false;
      if (f === 1) seconds = r.varint();
      else nanos = r.varint();
      return true;
    });
    return new Date(Number(seconds * 1000n + nanos / 1_000_000n));
  }

  skip(wireType: number): void {
    if (wireType === VARINT) this.varint();
    else if (wireType === LEN) this.bytes();
    else if (wireType === 1 || wireType === 5) {
      this.pos += wireType === 1 ? 8 : 4;
      if (this.pos > this.buf.length) fail('truncated fixed-width field');
    } else fail(`unsupported wire type ${wireType}`);
  }
}

/** Walks a message's fields; `read` consumes a field it knows and returns true, else it is skipped. */
function fields(buf: Uint8Array, read: (field: number, wireType: number, r: Reader) => boolean) {
  const r = new Reader(buf);
  while (r.pos < buf.length) {
    const tag = r.varint();
    const field = Number(tag >> 3n);
    const wireType = Number(tag & 7n);
    if (field <= 0) fail(`invalid field number ${field}`);
    if (!read(field, wireType, r)) r.skip(wireType);
  }
}

/** Builds a decoder from per-field readers, keyed by `${field}:${wireType}`. */
function message<T>(init: () => T, readers: Record<string, (m: T, r: Reader) => void>) {
  return (buf: Uint8Array): T => {
    const m = init();
    fields(buf, (f, w, r) => {
      const read = readers[`${f}:${w}`];
      read?.(m, r);
      return read !== undefined;
    });
    return m;
  };
}

const vertex = message<BuildkitVertex>(
  () => ({ digest: '', inputs: [], name: '', cached: false }),
  {
    '1:2': (v, r) => (v.digest = r.string()),
    '2:2': (v, r) => v.inputs.push(r.string()),
    '3:2': (v, r) => (v.name = r.string()),
    '4:0': (v, r) => (v.cached = r.varint() !== 0n),
    '5:2': (v, r) => (v.started = r.timestamp()),
    '6:2': (v, r) => (v.completed = r.timestamp()),
    '7:2': (v, r) => (v.error = r.string()),
  },
);

const vertexStatus = message<BuildkitVertexStatus>(
  () => ({ id: '', vertex: '', name: '', current: 0, total: 0 }),
  {
    '1:2': (s, r) => (s.id = r.string()),
    '2:2': (s, r) => (s.vertex = r.string()),
    '3:2': (s, r) => (s.name = r.string()),
    '4:0': (s, r) => (s.current = r.int()),
    '5:0': (s, r) => (s.total = r.int()),
    '6:2': (s, r) => (s.timestamp = r.timestamp()),
    '7:2': (s, r) => (s.started = r.timestamp()),
    '8:2': (s, r) => (s.completed = r.timestamp()),
  },
);

const vertexLog = message<BuildkitVertexLog>(
  () => ({ vertex: '', stream: 0, data: new Uint8Array(0) }),
  {
    '1:2': (l, r) => (l.vertex = r.string()),
    '2:2': (l, r) => (l.timestamp = r.timestamp()),
    '3:0': (l, r) => (l.stream = r.int()),
    '4:2': (l, r) => (l.data = new Uint8Array(r.bytes())), // a copy: no view into the input
  },
);

const vertexWarning = message<{ vertex: string; short: string }>(
  () => ({ vertex: '', short: '' }),
  {
    '1:2': (w, r) => (w.vertex = r.string()),
    '3:2': (w, r) => (w.short = r.string()),
  },
);

/** Decodes one serialized `moby.buildkit.v1.StatusResponse`; throws on malformed input. */
export const decodeBuildkitStatus: (bytes: Uint8Array) => BuildkitStatus = message<BuildkitStatus>(
  () => ({ vertexes: [], statuses: [], logs: [], warnings: [] }),
  {
    '1:2': (s, r) => s.vertexes.push(vertex(r.bytes())),
    '2:2': (s, r) => s.statuses.push(vertexStatus(r.bytes())),
    '3:2': (s, r) => s.logs.push(vertexLog(r.bytes())),
    '4:2': (s, r) => s.warnings.push(vertexWarning(r.bytes())),
  },
);

/** Decodes the base64 `aux` of a `{"id":"moby.buildkit.trace"}` line of the build stream. */
export function decodeBuildkitTrace(aux: string): BuildkitStatus {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(aux)) fail('aux is not base64');
  return decodeBuildkitStatus(Buffer.from(aux, 'base64'));
}
