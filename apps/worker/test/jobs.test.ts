import { describe, expect, it } from 'vitest';
import { createJob, jobKinds, processJob } from '../src/jobs.js';

describe('createJob', () => {
  it('numbers jobs and cycles through the kinds', () => {
    const jobs = [1, 2, 3, 4].map(createJob);
    expect(jobs.map((job) => job.id)).toEqual(['job-1', 'job-2', 'job-3', 'job-4']);
    expect(jobs.map((job) => job.kind)).toEqual([...jobKinds, jobKinds[0]]);
    expect(jobs.every((job) => job.input.length > 0)).toBe(true);
  });

  it('is deterministic', () => {
    expect(createJob(42)).toEqual(createJob(42));
  });

  it('rejects sequences that are not whole numbers from 1', () => {
    for (const sequence of [0, -1, 1.5, Number.NaN]) {
      expect(() => createJob(sequence)).toThrow(RangeError);
    }
  });
});

describe('processJob', () => {
  it('counts words', () => {
    const result = processJob({ id: 'a', kind: 'word-count', input: '  two   words ' });
    expect(result).toEqual({ id: 'a', kind: 'word-count', output: 2 });
  });

  it('reverses text', () => {
    expect(processJob({ id: 'b', kind: 'reverse', input: 'acme' }).output).toBe('emca');
  });

  it('computes a short sha-256 checksum', () => {
    // sha256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
    expect(processJob({ id: 'c', kind: 'checksum', input: 'abc' }).output).toBe('ba7816bf8f01cfea');
  });

  it('gives the same result for the same job', () => {
    const job = createJob(3);
    expect(processJob(job)).toEqual(processJob(job));
  });
});
