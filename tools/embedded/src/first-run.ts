import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { credentials as grpcCredentials } from '@grpc/grpc-js';
import { authV1 } from '@brainmesh/contracts';
import { createGrpcClient, unaryCall } from '@brainmesh/grpc';

/** What the first run hands to the person who started the platform (written once, mode 0600). */
export interface FirstRunCredentials {
  gateway_url: string;
  operator_email: string;
  operator_password: string;
  tenant_slug: string;
  owner_email: string;
  owner_password: string;
  api_key: string;
}

export type FirstRunResult =
  | { created: true; file: string; credentials: FirstRunCredentials }
  | { created: false; file: string; fileExists: boolean };

/**
 * On an empty platform: creates a platform operator, a tenant `default` with an owner and one API
 * key (auth's idempotent Bootstrap), and writes them once to `file` with mode 0600. On a platform
 * that already has an operator it changes nothing.
 */
export async function firstRun(
  authGrpcAddress: string,
  gatewayUrl: string,
  file: string,
): Promise<FirstRunResult> {
  const client = createGrpcClient(authV1.AuthServiceClient, authGrpcAddress, {
    deadlineMs: 30_000,
    credentials: grpcCredentials.createInsecure(),
  });
  try {
    const result = await unaryCall(client, 'bootstrap', { operatorEmail: '', ownerEmail: '' });
    if (!result.created) return { created: false, file, fileExists: existsSync(file) };
    const credentials: FirstRunCredentials = {
      gateway_url: gatewayUrl,
      operator_email: result.operatorEmail,
      operator_password: result.operatorPassword,
      tenant_slug: result.tenantSlug,
      owner_email: result.ownerEmail,
      owner_password: result.ownerPassword,
      api_key: result.apiKey,
    };
    writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    return { created: true, file, credentials };
  } finally {
    client.close();
  }
}
