import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { UuidV7Generator } from '../domain/uuid-v7';

/** Randomness and hashing of secrets (injected so unit specs can make them deterministic). */
@Injectable()
export class CryptoRepository {
  private readonly v7 = new UuidV7Generator((n) => randomBytes(n));

  randomBytes(length: number): Uint8Array {
    return randomBytes(length);
  }

  uuid(): string {
    return randomUUID();
  }

  /** A time-ordered UUIDv7 (audit event ids). */
  uuidV7(now: Date): string {
    return this.v7.next(now.getTime());
  }

  /** An opaque token: 32 random bytes, base64url. */
  opaqueToken(): string {
    return randomBytes(32).toString('base64url');
  }

  /** A generated password (24 random bytes, base64url: 32 characters). */
  password(): string {
    return randomBytes(24).toString('base64url');
  }

  sha256Hex(value: string): string {
    return createHash('sha256').update(value, 'utf8').digest('hex');
  }
}
