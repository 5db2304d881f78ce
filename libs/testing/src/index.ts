export { InfraEnvError, requireInfraEnv, type InfraEnv } from './infra-env';
export { createTestDatabase, type TestDatabase } from './test-database';
export { uniqueName } from './unique-name';
export { WaitForTimeoutError, waitFor, type WaitForOptions } from './wait-for';
export { LogCapture } from './log-capture';
