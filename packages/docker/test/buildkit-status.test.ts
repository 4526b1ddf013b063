import { describe, expect, it } from 'vitest';
import { decodeBuildkitStatus, decodeBuildkitTrace } from '../src/buildkit-status.js';

// --- a tiny protobuf encoder, just enough to build StatusResponse messages ---

type Bytes = number[];

function varint(value: bigint | number): Bytes {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: Bytes = [];
  do {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? byte | 0x80 : byte);
  } while (v > 0n);
  return out;
}

const tag = (field: number, wireType: number): Bytes => varint((field << 3) | wireType);
const int = (field: number, value: bigint | number): Bytes => [...tag(field, 0), ...varint(value)];
const fixed64 = (field: number): Bytes => [...tag(field, 1), 1, 2, 3, 4, 5, 6, 7, 8];
const fixed32 = (field: number): Bytes => [...tag(field, 5), 1, 2, 3, 4];

function len(field: number, payload: Bytes | Uint8Array | string): Bytes {
  const bytes = typeof payload === 'string' ? [...new TextEncoder().encode(payload)] : [...payload];
  return [...tag(field, 2), ...varint(bytes.length), ...bytes];
}

const msg = (...fields: Bytes[]): Bytes => fields.flat();
/** google.protobuf.Timestamp */
const ts = (field: number, date: Date): Bytes => {
  const ms = date.getTime();
  return len(field, msg(int(1, Math.floor(ms / 1000)), int(2, (ms % 1000) * 1_000_000)));
};
const decode = (...fields: Bytes[]) => decodeBuildkitStatus(Uint8Array.from(msg(...fields)));

const started = new Date('2024-05-06T07:08:09.123Z');
const completed = new Date('2024-05-06T07:08:10.456Z');

describe('decodeBuildkitStatus', () => {
  it('decodes an empty message', () => {
    expect(decode()).toEqual({ vertexes: [], statuses: [], logs: [], warnings: [] });
  });

  it('decodes vertexes with inputs, cached flag, timestamps and error', () => {
    const status = decode(
      len(
        1,
        msg(
          len(1, 'sha256:aaa'),
          len(2, 'sha256:in1'),
          len(2, 'sha256:in2'),
          len(3, '[2/3] RUN make'),
          int(4, 1),
          ts(5, started),
          ts(6, completed),
          len(7, 'exit code: 2'),
          len(8, msg(len(1, 'group-id'))), // progressGroup: skipped
        ),
      ),
      len(1, msg(len(1, 'sha256:bbb'), len(3, '[1/3] FROM node'))),
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
      len(
        2,
        msg(
          len(1, 'sha256:layer'),
          len(2, 'sha256:vtx'),
          len(3, 'extracting'),
          int(4, 5_000_000_000n),
          int(5, 6_000_000_000n),
          ts(6, completed),
          ts(7, started),
          ts(8, completed),
        ),
      ),
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
    const status = decode(
      len(3, msg(len(1, 'sha256:vtx'), ts(2, started), int(3, 2), len(4, data))),
    );
    expect(status.logs).toHaveLength(1);
    const [log] = status.logs;
    expect(log).toEqual({ vertex: 'sha256:vtx', timestamp: started, stream: 2, data });
    expect(log?.data).toBeInstanceOf(Uint8Array);
  });

  it('decodes warnings, keeping vertex and short', () => {
    const status = decode(
      len(
        4,
        msg(
          len(1, 'sha256:vtx'),
          int(2, 1),
          len(3, 'FromAsCasing: mismatched case'),
          len(4, 'detail 1'),
          len(4, 'detail 2'),
          len(5, 'https://docs.docker.com/go/dockerfile/rule/from-as-casing/'),
          len(6, msg(len(1, 'Dockerfile'))),
          len(7, msg(len(1, msg(int(1, 1))))),
        ),
      ),
    );
    expect(status.warnings).toEqual([
      { vertex: 'sha256:vtx', short: 'FromAsCasing: mismatched case' },
    ]);
  });

  it('skips unknown fields of every wire type at every level', () => {
    const unknown = (field: number) =>
      msg(
        int(field, 42),
        int(field + 1, -1),
        fixed64(field + 2),
        len(field + 3, 'x'),
        fixed32(field + 4),
      );
    const status = decode(
      unknown(20),
      len(1, msg(unknown(20), len(1, 'sha256:v'), unknown(100), len(3, 'name'))),
      len(2, msg(len(1, 'id'), unknown(20), int(4, 3))),
      len(3, msg(len(1, 'sha256:v'), ts(2, started), unknown(20), len(4, 'out'))),
      len(4, msg(unknown(20), len(3, 'warn'))),
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

  it('skips known field numbers that arrive with an unexpected wire type', () => {
    const status = decode(int(1, 7), len(1, msg(fixed32(3), int(1, 5), len(3, 'ok'))));
    expect(status.vertexes).toEqual([{ digest: '', inputs: [], name: 'ok', cached: false }]);
  });

  it('rejects truncated and malformed buffers with a clear error', () => {
    const full = msg(len(1, msg(len(1, 'sha256:aaa'), len(3, 'name'))));
    for (let cut = 1; cut < full.length; cut++) {
      expect(() => decodeBuildkitStatus(Uint8Array.from(full.slice(0, cut)))).toThrow(
        /Malformed BuildKit status/,
      );
    }
    expect(() => decode([0x80])).toThrow(/truncated varint/);
    expect(() => decode(tag(1, 2), [5, 1, 2])).toThrow(/overruns/);
    expect(() => decode(fixed64(9).slice(0, 5))).toThrow(/truncated fixed-width/);
    expect(() => decode(fixed32(9).slice(0, 3))).toThrow(/truncated fixed-width/);
    expect(() => decode(tag(9, 3))).toThrow(/wire type 3/);
    expect(() => decode([0x00])).toThrow(/field number 0/);
    expect(() => decode(Array<number>(11).fill(0xff))).toThrow(/longer than 10 bytes/);
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
