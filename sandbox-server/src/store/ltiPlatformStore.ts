// The LMS platforms an operator registered (issuer, client id, deployments and the
// platform's endpoints) and Drydock's own signing keys, as rows.
import { isUniqueViolation, type SqlDriver } from './sqlDriver.js';
import { randomId } from './progressStore.js';

export interface Platform {
  id: string;
  /** What people call it: "Moodle of Example School". */
  name: string;
  issuer: string;
  clientId: string;
  deploymentIds: string[];
  /** The platform's OIDC authorization endpoint (where a login is sent on). */
  authUrl: string;
  /** Its OAuth 2 token endpoint (access tokens for grade passback). */
  tokenUrl: string;
  /** Its public keys, which sign its launches. */
  jwksUrl: string;
  createdAt: string;
}

export type NewPlatform = Omit<Platform, 'id' | 'createdAt'>;

export interface ToolKeyRow {
  kid: string;
  privateJwk: string;
  publicJwk: string;
  createdAt: string;
  retiredAt: string | null;
}

interface PlatformRow {
  id: string;
  name: string;
  issuer: string;
  client_id: string;
  deployment_ids: string;
  auth_url: string;
  token_url: string;
  jwks_url: string;
  created_at: string;
}

function toPlatform(row: PlatformRow): Platform {
  return {
    id: row.id,
    name: row.name,
    issuer: row.issuer,
    clientId: row.client_id,
    deploymentIds: JSON.parse(row.deployment_ids),
    authUrl: row.auth_url,
    tokenUrl: row.token_url,
    jwksUrl: row.jwks_url,
    createdAt: row.created_at,
  };
}

export class PlatformTaken extends Error {}

export class LtiPlatformStore {
  constructor(private readonly db: SqlDriver) {}

  async register(platform: NewPlatform): Promise<Platform> {
    const id = randomId(6);
    try {
      await this.db.run(
        `INSERT INTO lti_platforms (id, name, issuer, client_id, deployment_ids, auth_url, token_url, jwks_url, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [id, platform.name, platform.issuer, platform.clientId, JSON.stringify(platform.deploymentIds), platform.authUrl, platform.tokenUrl, platform.jwksUrl, new Date().toISOString()],
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw new PlatformTaken(`a platform with issuer ${platform.issuer} and client id ${platform.clientId} is already registered`);
      throw error;
    }
    return (await this.byId(id))!;
  }

  /** Changes a registration in place (a new deployment, a moved endpoint). */
  async update(id: string, platform: NewPlatform): Promise<Platform> {
    await this.db.run(
      `UPDATE lti_platforms SET name = ?, issuer = ?, client_id = ?, deployment_ids = ?, auth_url = ?, token_url = ?, jwks_url = ? WHERE id = ?`,
      [platform.name, platform.issuer, platform.clientId, JSON.stringify(platform.deploymentIds), platform.authUrl, platform.tokenUrl, platform.jwksUrl, id],
    );
    return (await this.byId(id))!;
  }

  async remove(id: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM lti_platforms WHERE id = ?', [id])).changes === 1;
  }

  async byId(id: string): Promise<Platform | undefined> {
    const row = await this.db.get<PlatformRow>('SELECT * FROM lti_platforms WHERE id = ?', [id]);
    return row && toPlatform(row);
  }

  /** Platforms with this issuer (one LMS may register Drydock more than once, by client id). */
  async byIssuer(issuer: string): Promise<Platform[]> {
    return (await this.db.all<PlatformRow>('SELECT * FROM lti_platforms WHERE issuer = ? ORDER BY created_at', [issuer])).map(toPlatform);
  }

  async all(): Promise<Platform[]> {
    return (await this.db.all<PlatformRow>('SELECT * FROM lti_platforms ORDER BY created_at')).map(toPlatform);
  }

  async addKey(key: Omit<ToolKeyRow, 'retiredAt'>): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run('UPDATE lti_tool_keys SET retired_at = ? WHERE retired_at IS NULL', [key.createdAt]);
      await tx.run('INSERT INTO lti_tool_keys (kid, private_jwk, public_jwk, created_at) VALUES (?, ?, ?, ?)', [key.kid, key.privateJwk, key.publicJwk, key.createdAt]);
    });
  }

  /** Keys newest first: the active one, then those retired since `retiredSince`. */
  async keys(retiredSince: string): Promise<ToolKeyRow[]> {
    const rows = await this.db.all<{ kid: string; private_jwk: string; public_jwk: string; created_at: string; retired_at: string | null }>(
      'SELECT * FROM lti_tool_keys WHERE retired_at IS NULL OR retired_at > ? ORDER BY created_at DESC, kid',
      [retiredSince],
    );
    return rows.map((row) => ({ kid: row.kid, privateJwk: row.private_jwk, publicJwk: row.public_jwk, createdAt: row.created_at, retiredAt: row.retired_at }));
  }
}
