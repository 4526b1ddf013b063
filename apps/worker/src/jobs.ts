import { createHash } from 'node:crypto';

export const jobKinds = ['word-count', 'reverse', 'checksum'] as const;

export type JobKind = (typeof jobKinds)[number];

export interface Job {
  id: string;
  kind: JobKind;
  input: string;
}

export interface JobResult {
  id: string;
  kind: JobKind;
  output: string | number;
}

const sampleTexts = [
  'the quick brown fox jumps over the lazy dog',
  'hello from the acme worker',
  'pnpm workspaces build into small images',
  'graceful shutdown on SIGTERM',
] as const;

/** The fake job number `sequence` (1, 2, ...): deterministic, cycling through kinds and texts. */
export function createJob(sequence: number): Job {
  if (!Number.isInteger(sequence) || sequence < 1) {
    throw new RangeError(`job sequence must be a whole number from 1, got ${sequence}`);
  }
  const kind = jobKinds[(sequence - 1) % jobKinds.length] as JobKind;
  const input = sampleTexts[(sequence - 1) % sampleTexts.length] as string;
  return { id: `job-${sequence}`, kind, input };
}

/** Does the job's work. Pure: the same job always gives the same result. */
export function processJob(job: Job): JobResult {
  return { id: job.id, kind: job.kind, output: compute(job) };
}

function compute({ kind, input }: Job): string | number {
  switch (kind) {
    case 'word-count':
      return input.split(/\s+/).filter((word) => word !== '').length;
    case 'reverse':
      return [...input].reverse().join('');
    case 'checksum':
      return createHash('sha256').update(input).digest('hex').slice(0, 16);
  }
}
