export { defaultShutdownTimeoutMs, onShutdown } from './on-shutdown.js';
export type {
  ShutdownHandler,
  ShutdownOptions,
  ShutdownProcess,
  ShutdownSignal,
} from './on-shutdown.js';
