import { Injectable } from '@nestjs/common';
import {
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  importJWK,
  importPKCS8,
  jwtVerify,
  SignJWT,
  type JWK,
  type KeyLike,
} from 'jose';

export const JWT_ALG = 'EdDSA';

export interface GeneratedKey {
  publicJwk: Record<string, string>;
  privateKeyPem: string;
}

export interface AccessClaims {
  sub: string;
  tid?: string;
  role: string;
}

export interface VerifiedToken extends AccessClaims {
  kid: string;
  exp: number;
  iat: number;
}

/** Ed25519 keys and JWT signing/verification (jose). */
@Injectable()
export class TokenSignerRepository {
  private readonly privateKeys = new Map<string, Promise<KeyLike>>();
  private readonly publicKeys = new Map<string, Promise<KeyLike | Uint8Array>>();

  async generateKey(): Promise<GeneratedKey> {
    const { publicKey, privateKey } = await generateKeyPair(JWT_ALG, { crv: 'Ed25519', extractable: true });
    const jwk = await exportJWK(publicKey);
    return {
      publicJwk: { kty: jwk.kty!, crv: jwk.crv!, x: jwk.x! },
      privateKeyPem: await exportPKCS8(privateKey),
    };
  }

  async sign(
    claims: AccessClaims,
    key: { kid: string; privateKeyPem: string },
    issuer: string,
    iat: number,
    exp: number,
  ): Promise<string> {
    let privateKey = this.privateKeys.get(key.kid);
    if (!privateKey) {
      privateKey = importPKCS8(key.privateKeyPem, JWT_ALG);
      this.privateKeys.set(key.kid, privateKey);
    }
    const jwt = new SignJWT({ role: claims.role, ...(claims.tid ? { tid: claims.tid } : {}) })
      .setProtectedHeader({ alg: JWT_ALG, kid: key.kid, typ: 'JWT' })
      .setSubject(claims.sub)
      .setIssuer(issuer)
      .setIssuedAt(iat)
      .setExpirationTime(exp);
    return jwt.sign(await privateKey);
  }

  /** Verifies signature, `exp` and `iss`; `findKey` returns the public JWK of a kid (or null). */
  async verify(
    token: string,
    findKey: (kid: string) => Promise<Record<string, string> | null>,
    issuer: string,
    now: Date,
  ): Promise<VerifiedToken | null> {
    try {
      const { payload, protectedHeader } = await jwtVerify(
        token,
        async (header) => {
          const kid = header.kid;
          if (!kid) throw new Error('no kid');
          const jwk = await findKey(kid);
          if (!jwk) throw new Error('unknown kid');
          let key = this.publicKeys.get(kid);
          if (!key) {
            key = importJWK({ ...jwk, alg: JWT_ALG } as JWK, JWT_ALG);
            this.publicKeys.set(kid, key);
          }
          return key;
        },
        { issuer, algorithms: [JWT_ALG], currentDate: now },
      );
      if (typeof payload.sub !== 'string' || typeof payload.role !== 'string') return null;
      if (typeof payload.exp !== 'number' || typeof payload.iat !== 'number') return null;
      return {
        kid: protectedHeader.kid!,
        sub: payload.sub,
        role: payload.role,
        tid: typeof payload.tid === 'string' ? payload.tid : undefined,
        exp: payload.exp,
        iat: payload.iat,
      };
    } catch {
      return null;
    }
  }
}
