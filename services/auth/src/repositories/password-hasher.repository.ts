import { Injectable } from '@nestjs/common';
import { hash, verify } from '@node-rs/argon2';

/** argon2id (OWASP parameters: 19 MiB, 2 iterations, 1 lane). `Algorithm.Argon2id` is the const enum value 2. */
const OPTIONS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** Password hashing with argon2id. */
@Injectable()
export class PasswordHasherRepository {
  private dummy?: Promise<string>;

  hash(password: string): Promise<string> {
    return hash(password, OPTIONS);
  }

  async verify(passwordHash: string, password: string): Promise<boolean> {
    try {
      return await verify(passwordHash, password);
    } catch {
      return false;
    }
  }

  /** Spends the time of a real verification when there is no user, so timing does not reveal it. */
  async verifyDummy(password: string): Promise<void> {
    this.dummy ??= this.hash('brainmesh-dummy-password-for-constant-time');
    await this.verify(await this.dummy, password);
  }
}
