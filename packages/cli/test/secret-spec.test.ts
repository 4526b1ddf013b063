import { describe, expect, it } from 'vitest';
import { BuildImagesError } from '@build-images/core';
import { parseSecretSpec } from '../src/cli-options.js';

function messageOf(spec: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    parseSecretSpec(spec, env);
  } catch (error) {
    if (error instanceof BuildImagesError) return `${error.message}\n${error.hint ?? ''}`;
    throw error;
  }
  throw new Error('expected an error');
}

describe('parseSecretSpec', () => {
  it.each([
    'npm_token=npm_CANARY123',
    'id=npm_token,value=npm_CANARY123',
    'id=npm_token,npm_CANARY123',
    'id=bad id!npm_CANARY123,env=X',
    'id=npm_token,src=/tmp/x,env=npm_CANARY123',
  ])('never repeats a value that may be the secret (%s)', (spec) => {
    const message = messageOf(spec);
    expect(message).toMatch(/^--secret /);
    expect(message).not.toContain('CANARY123');
  });

  it('still names the id and the file or variable it could not use', () => {
    expect(messageOf('id=npm_token,env=UNSET_VAR_X')).toContain(
      '--secret npm_token: the environment variable UNSET_VAR_X is not set',
    );
    expect(messageOf('id=npmrc,src=')).toContain('--secret "id=npmrc,src=": src= is empty');
  });
});
