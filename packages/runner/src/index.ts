export * from './run-builds.js';
