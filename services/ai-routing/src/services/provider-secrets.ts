import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG } from '@brainmesh/runtime';
import type { AiRoutingConfig } from '../config';
import type { ProviderEntity } from '../entities/provider.entity';
import { SecretBox } from '../repositories/secret-box.repository';

/** What a provider's sealed secret holds. */
export interface ProviderSecret {
  apiKey?: string;
  headers: Record<string, string>;
}

/**
 * Seals and opens provider credentials (AES-256-GCM, keys from PROVIDER_SECRET_KEYS). The
 * ciphertext is bound to the provider id (AAD), so a sealed value copied to another row does not open.
 */
@Injectable()
export class ProviderSecrets {
  private readonly box: SecretBox;

  constructor(@Inject(SERVICE_CONFIG) config: AiRoutingConfig) {
    if (!config.PROVIDER_SECRET_KEYS)
      throw new Error(
        'PROVIDER_SECRET_KEYS is not set: ai-routing needs a key to seal provider credentials. ' +
          'Set PROVIDER_SECRET_KEYS=k1:$(openssl rand -base64 32) (keep it secret and stable).',
      );
    this.box = SecretBox.fromKeyring(config.PROVIDER_SECRET_KEYS);
  }

  seal(providerId: string, secret: ProviderSecret): string | null {
    if (secret.apiKey === undefined && Object.keys(secret.headers).length === 0) return null;
    return this.box.seal(JSON.stringify(secret), aad(providerId));
  }

  open(provider: Pick<ProviderEntity, 'id' | 'secretSealed'>): ProviderSecret {
    if (!provider.secretSealed) return { headers: {} };
    const parsed = JSON.parse(this.box.open(provider.secretSealed, aad(provider.id))) as ProviderSecret;
    return { apiKey: parsed.apiKey, headers: parsed.headers ?? {} };
  }

  needsRotation(sealed: string): boolean {
    return this.box.needsRotation(sealed);
  }
}

const aad = (providerId: string) => `provider:${providerId}`;
