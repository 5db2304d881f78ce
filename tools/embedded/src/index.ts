export { InProcessPlatform, type InProcessPlatformOptions } from './in-process-platform';
