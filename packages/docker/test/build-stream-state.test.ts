import { describe, expect, it } from 'vitest';
import { buildkitProtos } from '../src/buildkit-protos.js';
import { BuildStreamState } from '../src/docker-image-builder.js';

const StatusResponse = buildkitProtos.lookupType('moby.buildkit.v1.StatusResponse');

/** One `moby.buildkit.trace` message of the build stream, as the engine sends it. */
function trace(fields: object) {
  const bytes = StatusResponse.encode(StatusResponse.fromObject(fields)).finish();
  return { id: 'moby.buildkit.trace', aux: Buffer.from(bytes).toString('base64') };
}

const log = (vertex: string, text: string) => ({
  vertex,
  stream: 1,
  msg: Buffer.from(`${text}\n`),
});

describe('BuildStreamState.failedLogTail', () => {
  it('shows the log of the step that failed, not of a step the failure cancelled beside it', () => {
    const state = new BuildStreamState();
    // The deploy of another stage was seen first, wrote last and ended cancelled.
    state.apply(
      trace({ vertexes: [{ digest: 'sha256:deploy', name: '[api-prod 3/4] RUN pnpm deploy' }] }),
    );
    state.apply(
      trace({ vertexes: [{ digest: 'sha256:build', name: '[api-build 5/6] RUN pnpm run build' }] }),
    );
    state.apply(trace({ logs: [log('sha256:build', 'error TS1005: broken on purpose')] }));
    state.apply(trace({ logs: [log('sha256:deploy', 'Progress: resolved 12')] }));
    state.apply(
      trace({
        vertexes: [
          {
            digest: 'sha256:deploy',
            name: '[api-prod 3/4] RUN pnpm deploy',
            error: 'context canceled',
          },
          {
            digest: 'sha256:build',
            name: '[api-build 5/6] RUN pnpm run build',
            error: 'executor failed running [/bin/sh -c pnpm run build]: exit code: 2',
          },
        ],
      }),
    );
    expect(state.failedLogTail()).toEqual([
      '[api-build 5/6] RUN pnpm run build:',
      'error TS1005: broken on purpose',
    ]);
  });

  it('falls back to the first failed step, then to the last lines of any step', () => {
    const state = new BuildStreamState();
    state.apply(trace({ vertexes: [{ digest: 'sha256:a', name: 'a' }] }));
    state.apply(trace({ logs: [log('sha256:a', 'last words')] }));
    expect(state.failedLogTail()).toEqual(['last words']);
    state.apply(
      trace({ vertexes: [{ digest: 'sha256:a', name: 'a', error: 'context canceled' }] }),
    );
    expect(state.failedLogTail()).toEqual(['a:', 'last words']);
  });
});
