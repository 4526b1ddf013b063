export * from './build-context.js';
export * from './buildkit-status.js';
export * from './connect-docker.js';
export * from './docker-image-builder.js';
