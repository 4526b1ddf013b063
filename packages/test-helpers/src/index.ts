export * from './docker-engine.js';
export * from './fixtures.js';
export * from './git-repo.js';
export * from './local-registry.js';
export * from './run-bin.js';
export * from './write-tree.js';
