export { InProcessPlatform, type InProcessPlatformOptions } from './in-process-platform';
export { firstRun, type FirstRunCredentials, type FirstRunResult } from './first-run';
