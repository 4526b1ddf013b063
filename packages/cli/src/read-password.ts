import { BuildImagesError } from '@build-images/core';
import type { CliIo } from './run-cli.js';

/** The registry password from standard input (--password-stdin), without its final newline. */
export async function readPassword(io: CliIo): Promise<string> {
  const stdin = io.stdin ?? process.stdin;
  let text = '';
  for await (const chunk of stdin)
    text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
  const password = text.replace(/\r?\n$/, '');
  if (password === '') {
    throw new BuildImagesError('USAGE', '--password-stdin read an empty password', {
      hint: 'Pipe it in: echo "$TOKEN" | build-images --push --registry-user <name> --password-stdin.',
    });
  }
  return password;
}
