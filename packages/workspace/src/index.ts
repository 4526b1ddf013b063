export * from './find-workspace-root.js';
export * from './read-workspace.js';
