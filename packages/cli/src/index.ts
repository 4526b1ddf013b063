export * from './cli-options.js';
export * from './run-cli.js';
