import { Injectable } from '@nestjs/common';
import { DataSource, IsNull, MoreThan, type EntityManager } from 'typeorm';
import { SigningKeyEntity } from '../entities/signing-key.entity';

/** Token signing keys (platform-level: not tenant-owned). */
@Injectable()
export class SigningKeyRepository {
  constructor(private readonly dataSource: DataSource) {}

  private m(manager?: EntityManager): EntityManager {
    return manager ?? this.dataSource.manager;
  }

  findCurrent(manager?: EntityManager): Promise<SigningKeyEntity | null> {
    return this.m(manager).findOneBy(SigningKeyEntity, { retiredAt: IsNull() });
  }

  /** Inserts a new current key unless one exists already (a concurrent first use); returns whether it did. */
  async insertIfNoCurrent(key: SigningKeyEntity): Promise<boolean> {
    const result: unknown = await this.dataSource.query(
      `INSERT INTO signing_keys (kid, algorithm, public_jwk, private_key_pem, created_at, retired_at)
       VALUES ($1, $2, $3, $4, $5, NULL) ON CONFLICT DO NOTHING RETURNING kid`,
      [key.kid, key.algorithm, JSON.stringify(key.publicJwk), key.privateKeyPem, key.createdAt],
    );
    return JSON.stringify(result).includes(key.kid);
  }

  async retireCurrent(manager: EntityManager, at: Date): Promise<void> {
    await manager.update(SigningKeyEntity, { retiredAt: IsNull() }, { retiredAt: at });
  }

  async insert(manager: EntityManager, key: SigningKeyEntity): Promise<void> {
    await manager.insert(SigningKeyEntity, key);
  }

  /** The current key and keys retired after `retiredAfter`, current first. */
  async listPublished(retiredAfter: Date): Promise<SigningKeyEntity[]> {
    const keys = await this.dataSource.manager.find(SigningKeyEntity, {
      where: [{ retiredAt: IsNull() }, { retiredAt: MoreThan(retiredAfter) }],
      order: { createdAt: 'DESC' },
    });
    return keys.sort((a, b) => Number(a.retiredAt !== null) - Number(b.retiredAt !== null));
  }
}
