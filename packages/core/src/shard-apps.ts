import { BuildImagesError } from './build-images-error.js';

export interface Shard {
  /** 1-based. */
  index: number;
  total: number;
}

/** Parses `--shard i/n` (1 ≤ i ≤ n). */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(match?.[1]);
  const total = Number(match?.[2]);
  if (!match || total < 1 || index < 1 || index > total) {
    throw new BuildImagesError('USAGE', `--shard "${text}" is not of the form i/n with 1 ≤ i ≤ n`, {
      hint: 'E.g. --shard 2/3 builds the second of three equal parts of the selected apps.',
    });
  }
  return { index, total };
}

/**
 * This shard's part of the apps: sorted by name and dealt round-robin, so the parts differ
 * in size by at most one and every app lands in exactly one part, on every machine.
 */
export function shardApps<T extends string>(apps: readonly T[], shard: Shard): T[] {
  return [...apps].sort().filter((_, position) => position % shard.total === shard.index - 1);
}
