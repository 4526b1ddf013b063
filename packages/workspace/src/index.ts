export * from './find-workspace-root.js';
export * from './get-changed-files.js';
export * from './git.js';
export * from './hash-files.js';
export * from './list-context-files.js';
export * from './read-tool-config.js';
export * from './read-workspace.js';
export * from './read-run-inputs.js';
