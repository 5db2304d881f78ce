import { env, type z } from '@brainmesh/config';
import { baseServiceConfig } from '@brainmesh/runtime';

/** Environment of the auth service (see README "Configuration"). */
export const authConfigSchema = baseServiceConfig({ httpPort: 8081, grpcPort: 50051 }).extend({
  /** Lifetime of access tokens (JWT) in seconds. */
  ACCESS_TOKEN_TTL_S: env.positiveInt(900),
  /** Lifetime of refresh tokens in seconds (30 days). */
  REFRESH_TOKEN_TTL_S: env.positiveInt(2_592_000),
  /** How long a retired signing key stays in the JWKS (must exceed ACCESS_TOKEN_TTL_S). */
  SIGNING_KEY_RETENTION_S: env.positiveInt(3600),
});
export type AuthConfig = z.output<typeof authConfigSchema>;
