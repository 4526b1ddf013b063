import { describe, expect, it } from 'vitest';
import { buildEnvironmentOf, copiedSources } from '../src/read-package-facts.js';

describe('buildEnvironmentOf', () => {
  it('reads what the build step is given: assignments before the command, literal ENV and ARG of its stages', () => {
    // rallly's apps/web/Dockerfile, shortened.
    const rallly = [
      'FROM node:24 AS base',
      'ENV PNPM_HOME="/pnpm"',
      'ENV PATH="$PNPM_HOME:$PATH"',
      'ENV TZ=UTC',
      'FROM base AS installer',
      'RUN pnpm install --frozen-lockfile',
      'ARG SELF_HOSTED',
      'ENV NEXT_PUBLIC_SELF_HOSTED=$SELF_HOSTED',
      'ARG SENTRY_RELEASE=dev',
      'RUN SKIP_ENV_VALIDATION=1 pnpm build',
      'FROM node:24-slim AS runner',
      'ENV PORT=3000',
    ].join('\n');
    expect(buildEnvironmentOf(rallly)).toEqual({
      TZ: 'UTC',
      SENTRY_RELEASE: 'dev',
      SKIP_ENV_VALIDATION: '1',
    });
  });

  it('reads a multi-line ENV and a heredoc RUN (openstatus, written by Dofigen)', () => {
    const openstatus = [
      'FROM node@sha256:0afb AS builder',
      'ENV \\',
      '    NODE_ENV="production" \\',
      '    SELF_HOST="true" \\',
      '    PATH="$PNPM_HOME:$PATH" \\',
      '    DATABASE_URL="http://libsql:8080"',
      'RUN <<EOF',
      'corepack enable',
      'pnpm install --frozen-lockfile',
      'pnpm turbo run build --filter=@openstatus/dashboard',
      'EOF',
      'FROM node@sha256:0afb AS runtime',
      'ENV HOSTNAME=0.0.0.0',
    ].join('\n');
    expect(buildEnvironmentOf(openstatus)).toEqual({
      NODE_ENV: 'production',
      SELF_HOST: 'true',
      DATABASE_URL: 'http://libsql:8080',
    });
  });

  it('finds nothing without a build step, and reads the legacy ENV form', () => {
    expect(buildEnvironmentOf('FROM node:24\nENV A=1\nRUN npm ci\nCMD ["node", "x.js"]')).toBe(
      undefined,
    );
    expect(
      buildEnvironmentOf('FROM node:24\nENV NX_DAEMON false\nRUN pnpm nx build api --prod'),
    ).toEqual({ NX_DAEMON: 'false' });
    expect(
      buildEnvironmentOf('FROM node:24\nENV NX_DAEMON false\nRUN npx nx run-many -t build'),
    ).toEqual({ NX_DAEMON: 'false' });
    expect(
      buildEnvironmentOf('FROM node:24\nENV NX_DAEMON false\nRUN pnpm run build:api && echo ok'),
    ).toEqual({ NX_DAEMON: 'false' });
  });
});

describe('copiedSources', () => {
  it('lists what COPY and ADD take from the context, not from a stage, without ./ or a trailing /', () => {
    const text = [
      'FROM node:24 AS build',
      'COPY ./lexicons/ ./lexicons',
      'COPY --chown=node:node --chmod=644 a.txt \\',
      '  b/ /app/',
      'ADD ["./with space", "data.json", "/data/"]',
      'COPY --from=build /app /app',
      'COPY $DIR/x ./',
      'COPY *.json ./',
      'ADD https://example.test/x.tgz /tmp/',
      'COPY <<EOF /etc/x\nhello\nEOF',
      'copy . .',
    ].join('\n');
    expect(copiedSources(text)).toEqual(['lexicons', 'a.txt', 'b', 'with space', 'data.json']);
  });
});
