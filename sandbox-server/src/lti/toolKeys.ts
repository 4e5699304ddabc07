// Drydock's own key pair, which signs its client assertions (for grade passback) and its
// deep-linking answers. Made on first use and kept in the database, so every server
// process signs with the same key; rotating makes a new one and keeps the old one in
// the JWKS for a day, while platforms still hold it in their caches.
import crypto from 'node:crypto';
import { createLocalJWKSet, exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type JWK, type JWTPayload } from 'jose';
import type { LtiPlatformStore } from '../store/ltiPlatformStore.js';

const ALGORITHM = 'RS256';
const RETIRED_KEPT_MS = 24 * 60 * 60 * 1000;
/** Another process may have rotated: the keys are read again after this long. */
const REREAD_MS = 60 * 1000;

interface SigningKey {
  kid: string;
  key: CryptoKey;
}

export class ToolKeys {
  private cached?: { at: number; signing: Promise<SigningKey> };

  constructor(private readonly store: LtiPlatformStore) {}

  /** Drydock's public keys, as platforms fetch them from /lti/jwks. */
  async jwks(): Promise<{ keys: JWK[] }> {
    await this.signingKey();
    const rows = await this.store.keys(new Date(Date.now() - RETIRED_KEPT_MS).toISOString());
    return { keys: rows.map((row) => JSON.parse(row.publicJwk) as JWK) };
  }

  /** A new key signs from now on; the old one stays published for a day. */
  async rotate(): Promise<string> {
    const kid = await this.create();
    this.cached = undefined;
    return kid;
  }

  /** A JWT signed with the current key (kid in its header). */
  async sign(payload: JWTPayload, expiresInS: number): Promise<string> {
    const { kid, key } = await this.signingKey();
    return new SignJWT(payload)
      .setProtectedHeader({ alg: ALGORITHM, kid, typ: 'JWT' })
      .setIssuedAt()
      .setExpirationTime(`${expiresInS}s`)
      .setJti(crypto.randomUUID())
      .sign(key);
  }

  /** The payload of a JWT Drydock signed for itself (a deep-linking pick), if it is one and current. */
  async verifyOwn(token: string, audience: string): Promise<JWTPayload | undefined> {
    try {
      return (await jwtVerify(token, createLocalJWKSet(await this.jwks()), { audience, algorithms: [ALGORITHM] })).payload;
    } catch {
      return undefined;
    }
  }

  private signingKey(): Promise<SigningKey> {
    if (!this.cached || Date.now() - this.cached.at > REREAD_MS) {
      const signing = this.load();
      // A failed read is not kept: the next call tries again.
      signing.catch(() => (this.cached = undefined));
      this.cached = { at: Date.now(), signing };
    }
    return this.cached.signing;
  }

  private async load(): Promise<SigningKey> {
    let [active] = await this.store.keys(new Date().toISOString());
    if (!active || active.retiredAt) {
      await this.create();
      [active] = await this.store.keys(new Date().toISOString());
    }
    return { kid: active.kid, key: (await importJWK(JSON.parse(active.privateJwk), ALGORITHM)) as CryptoKey };
  }

  private async create(): Promise<string> {
    const { publicKey, privateKey } = await generateKeyPair(ALGORITHM, { extractable: true, modulusLength: 2048 });
    const kid = crypto.randomUUID();
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: ALGORITHM, use: 'sig' };
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: ALGORITHM };
    await this.store.addKey({ kid, publicJwk: JSON.stringify(publicJwk), privateJwk: JSON.stringify(privateJwk), createdAt: new Date().toISOString() });
    return kid;
  }
}
