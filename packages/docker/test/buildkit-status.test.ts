import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { buildkitProtos } from '../src/buildkit-protos.js';
import { decodeBuildkitStatus, decodeBuildkitTrace } from '../src/buildkit-status.js';

// Messages are encoded with the decoder's own definitions; protobufjs's Writer adds what the
// schema leaves out (unknown fields) and malformed bytes.
const types = {
  StatusResponse: buildkitProtos.lookupType('moby.buildkit.v1.StatusResponse'),
  Vertex: buildkitProtos.lookupType('moby.buildkit.v1.Vertex'),
  VertexStatus: buildkitProtos.lookupType('moby.buildkit.v1.VertexStatus'),
  VertexLog: buildkitProtos.lookupType('moby.buildkit.v1.VertexLog'),
  VertexWarning: buildkitProtos.lookupType('moby.buildkit.v1.VertexWarning'),
};
const encode = (type: keyof typeof types, fields: object): Uint8Array =>
  types[type].encode(types[type].fromObject(fields)).finish();

const VARINT = 0;
const LEN = 2;
const tag = (field: number, wireType: number) => (field << 3) | wireType;
/** Raw fields, written with protobufjs's Writer. */
const raw = (write: (writer: protobuf.Writer) => protobuf.Writer): Uint8Array =>
  write(protobuf.Writer.create()).finish();
/** A length-delimited field holding `bytes` (an embedded message or unknown payload). */
const len = (field: number, bytes: Uint8Array) =>
  raw((w) => w.uint32(tag(field, LEN)).bytes(bytes));
/** A field of every wire type, none of them in the schema. */
const unknown = (field: number) =>
  raw((w) =>
    w
      .uint32(tag(field, VARINT))
      .uint64(42)
      .uint32(tag(field + 1, VARINT))
      .int64(-1)
      .uint32(tag(field + 2, 1))
      .fixed64(123)
      .uint32(tag(field + 3, LEN))
      .string('x')
      .uint32(tag(field + 4, 5))
      .fixed32(456),
  );
const concat = (...parts: Uint8Array[]) => Uint8Array.from(Buffer.concat(parts));
const decode = (...parts: Uint8Array[]) => decodeBuildkitStatus(concat(...parts));

/** google.protobuf.Timestamp */
const ts = (date: Date) => ({
  seconds: Math.floor(date.getTime() / 1000),
  nanos: (date.getTime() % 1000) * 1_000_000,
});

const started = new Date('2024-05-06T07:08:09.123Z');
const completed = new Date('2024-05-06T07:08:10.456Z');

describe('decodeBuildkitStatus', () => {
  it('decodes an empty message', () => {
    expect(decode()).toEqual({ vertexes: [], statuses: [], logs: [], warnings: [] });
  });

  it('decodes vertexes with inputs, cached flag, timestamps and error', () => {
    const vertex = encode('Vertex', {
      digest: 'sha256:aaa',
      inputs: ['sha256:in1', 'sha256:in2'],
      name: '[2/3] RUN make',
      cached: true,
      started: ts(started),
      completed: ts(completed),
      error: 'exit code: 2',
    });
    const progressGroup = len(
      8,
      raw((w) => w.uint32(tag(1, LEN)).string('group-id')),
    );
    const status = decode(
      len(1, concat(vertex, progressGroup)),
      encode('StatusResponse', { vertexes: [{ digest: 'sha256:bbb', name: '[1/3] FROM node' }] }),
    );
    expect(status.vertexes).toEqual([
      {
        digest: 'sha256:aaa',
        inputs: ['sha256:in1', 'sha256:in2'],
        name: '[2/3] RUN make',
        cached: true,
        started,
        completed,
        error: 'exit code: 2',
      },
      { digest: 'sha256:bbb', inputs: [], name: '[1/3] FROM node', cached: false },
    ]);
  });

  it('decodes vertex statuses, including int64 progress beyond 2^32', () => {
    const status = decode(
      encode('StatusResponse', {
        statuses: [
          {
            ID: 'sha256:layer',
            vertex: 'sha256:vtx',
            name: 'extracting',
            current: 5_000_000_000,
            total: 6_000_000_000,
            timestamp: ts(completed),
            started: ts(started),
            completed: ts(completed),
          },
        ],
      }),
    );
    expect(status.statuses).toEqual([
      {
        id: 'sha256:layer',
        vertex: 'sha256:vtx',
        name: 'extracting',
        current: 5_000_000_000,
        total: 6_000_000_000,
        timestamp: completed,
        started,
        completed,
      },
    ]);
  });

  it('decodes logs and keeps binary data intact', () => {
    const data = Uint8Array.from([0, 1, 0x7f, 0x80, 0xfe, 0xff, 0x0a]);
    const bytes = encode('StatusResponse', {
      logs: [{ vertex: 'sha256:vtx', timestamp: ts(started), stream: 2, msg: data }],
    });
    const status = decode(bytes);
    expect(status.logs).toHaveLength(1);
    const [log] = status.logs;
    expect(log).toEqual({ vertex: 'sha256:vtx', timestamp: started, stream: 2, data });
    expect(log?.data).toBeInstanceOf(Uint8Array);
    bytes.fill(0);
    expect(log?.data).toEqual(data);
  });

  it('decodes warnings, keeping vertex and short', () => {
    const warning = encode('VertexWarning', {
      vertex: 'sha256:vtx',
      level: 1,
      short: Buffer.from('FromAsCasing: mismatched case'),
      detail: [Buffer.from('detail 1'), Buffer.from('detail 2')],
      url: 'https://docs.docker.com/go/dockerfile/rule/from-as-casing/',
    });
    const info = len(
      6,
      raw((w) => w.uint32(tag(1, LEN)).string('Dockerfile')),
    );
    const ranges = len(
      7,
      len(
        1,
        raw((w) => w.uint32(tag(1, VARINT)).int64(1)),
      ),
    );
    const status = decode(len(4, concat(warning, info, ranges)));
    expect(status.warnings).toEqual([
      { vertex: 'sha256:vtx', short: 'FromAsCasing: mismatched case' },
    ]);
  });

  it('skips unknown fields of every wire type at every level', () => {
    // Serialized messages concatenate into one: unknown fields go between the known ones.
    const status = decode(
      unknown(20),
      len(
        1,
        concat(
          unknown(20),
          encode('Vertex', { digest: 'sha256:v' }),
          unknown(100),
          encode('Vertex', { name: 'name' }),
        ),
      ),
      len(
        2,
        concat(
          encode('VertexStatus', { ID: 'id' }),
          unknown(20),
          encode('VertexStatus', { current: 3 }),
        ),
      ),
      len(
        3,
        concat(
          encode('VertexLog', { vertex: 'sha256:v', timestamp: ts(started) }),
          unknown(20),
          encode('VertexLog', { msg: Buffer.from('out') }),
        ),
      ),
      len(4, concat(unknown(20), encode('VertexWarning', { short: Buffer.from('warn') }))),
      unknown(1000),
    );
    expect(status.vertexes).toEqual([
      { digest: 'sha256:v', inputs: [], name: 'name', cached: false },
    ]);
    expect(status.statuses[0]).toMatchObject({ id: 'id', current: 3 });
    expect(status.logs[0]?.timestamp).toEqual(started);
    expect(new TextDecoder().decode(status.logs[0]?.data)).toBe('out');
    expect(status.warnings).toEqual([{ vertex: '', short: 'warn' }]);
  });

  it('rejects truncated and malformed buffers with a clear error', () => {
    const full = encode('StatusResponse', { vertexes: [{ digest: 'sha256:aaa', name: 'name' }] });
    for (let cut = 1; cut < full.length; cut++) {
      expect(() => decodeBuildkitStatus(full.slice(0, cut))).toThrow(/Malformed BuildKit status/);
    }
    const fixed64 = raw((w) => w.uint32(tag(9, 1)).fixed64(1));
    const fixed32 = raw((w) => w.uint32(tag(9, 5)).fixed32(1));
    for (const malformed of [
      [0x80], // truncated varint
      [tag(1, LEN), 5, 1, 2], // length beyond the buffer
      [...fixed64.slice(0, 5)],
      [...fixed32.slice(0, 3)],
      [tag(9, 3)], // a group that never ends
      [tag(9, 7)], // no such wire type
      Array<number>(11).fill(0xff),
    ]) {
      expect(() => decodeBuildkitStatus(Uint8Array.from(malformed)), `${malformed}`).toThrow(
        /Malformed BuildKit status/,
      );
    }
  });
});

// Real `aux` values captured from Docker Engine 20.10.24 (BuildKit) building
// `FROM build-images-local/node:24.21.0` + `RUN echo hello-from-run` (and `RUN ... && exit 3`).
const REAL_VERTEX_COMPLETED =
  'Cs0BCkdzaGEyNTY6NTlhYjRiNWRjMjk4ZTM0OWQ5MTk3NDliNDMxZWM2MGIyNGQ0YWQwNzgxODkwOTVlZjBiMjQzYzUwMjY1OTBmOBJHc2hhMjU2OmM4MGFjNTJkZGYwYTQ4YzkxNmViODRjOTU1MjhkOGM4YTdkNGRjMzdmMDVmNWZiYWI2MDM0NWVkODg3MTY1YjkaHVsyLzJdIFJVTiBlY2hvIGhlbGxvLWZyb20tcnVuKgwI85aU2AYQuILb8gEyDAjzlpTYBhDnvsr2Ag==';
const REAL_LOG =
  'GmoKR3NoYTI1Njo1OWFiNGI1ZGMyOThlMzQ5ZDkxOTc0OWI0MzFlYzYwYjI0ZDRhZDA3ODE4OTA5NWVmMGIyNDNjNTAyNjU5MGY4EgwI85aU2AYQiveJ8gIYASIPaGVsbG8tZnJvbS1ydW4K';
const REAL_FAILED_VERTEX =
  'CqcCCkdzaGEyNTY6NTgxNTUwZDljNTVmMjY5NzFiYzRlZDY5ZTllY2ZhNTczMDg1YjNkYWQ4ODM5ZjlhMGM3MmI5ZjBkNDZhZDhlNRJHc2hhMjU2OmM4MGFjNTJkZGYwYTQ4YzkxNmViODRjOTU1MjhkOGM4YTdkNGRjMzdmMDVmNWZiYWI2MDM0NWVkODg3MTY1YjkaJlsyLzJdIFJVTiBlY2hvIGFib3V0LXRvLWZhaWwgJiYgZXhpdCAzKgwI/JaU2AYQjpKmngIyDAj8lpTYBhCm+cXtAjpPZXhlY3V0b3IgZmFpbGVkIHJ1bm5pbmcgWy9iaW4vc2ggLWMgZWNobyBhYm91dC10by1mYWlsICYmIGV4aXQgM106IGV4aXQgY29kZTogMw==';
const RUN_DIGEST = 'sha256:59ab4b5dc298e349d919749b431ec60b24d4ad078189095ef0b243c5026590f8';
const FROM_DIGEST = 'sha256:c80ac52ddf0a48c916eb84c95528d8c8a7d4dc37f05f5fbab60345ed887165b9';

describe('decodeBuildkitTrace (real engine samples)', () => {
  it('decodes a completed RUN vertex', () => {
    const { vertexes, statuses, logs, warnings } = decodeBuildkitTrace(REAL_VERTEX_COMPLETED);
    expect({ statuses, logs, warnings }).toEqual({ statuses: [], logs: [], warnings: [] });
    expect(vertexes).toEqual([
      {
        digest: RUN_DIGEST,
        inputs: [FROM_DIGEST],
        name: '[2/2] RUN echo hello-from-run',
        cached: false,
        started: new Date('2026-11-24T03:58:43.509Z'),
        completed: new Date('2026-11-24T03:58:43.785Z'),
      },
    ]);
  });

  it('decodes the RUN output log line', () => {
    const { vertexes, logs } = decodeBuildkitTrace(REAL_LOG);
    expect(vertexes).toEqual([]);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({
      vertex: RUN_DIGEST,
      stream: 1,
      timestamp: new Date('2026-11-24T03:58:43.776Z'),
    });
    expect(new TextDecoder().decode(logs[0]?.data)).toBe('hello-from-run\n');
  });

  it('decodes the error of a failed RUN vertex', () => {
    const [vertex] = decodeBuildkitTrace(REAL_FAILED_VERTEX).vertexes;
    expect(vertex?.name).toBe('[2/2] RUN echo about-to-fail && exit 3');
    expect(vertex?.error).toBe(
      'executor failed running [/bin/sh -c echo about-to-fail && exit 3]: exit code: 3',
    );
  });

  it('rejects an aux that is not base64', () => {
    expect(() => decodeBuildkitTrace('not base64!')).toThrow(/not base64/);
  });
});
