// A launch's id_token, checked as LTI 1.3 asks before anything is believed: the
// platform's signature (its JWKS), the issuer, the audience and authorized party, the
// expiry, the nonce of the login this launch answers, the deployment, the message type
// and the version. Each refusal says which of these failed, in words for a person.
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import type { Platform } from '../store/ltiPlatformStore.js';
import type { PendingLogin } from '../store/ltiLaunchStore.js';
import { platformAddressAllowed } from './platformSettings.js';
import { CLAIMS, LTI_VERSION, MESSAGE_TYPES, SCORE_SCOPE, type MessageType, type VerifiedLaunch } from './ltiClaims.js';

export class LaunchRefused extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256'];
/** Platform and Drydock clocks may disagree a little. */
const CLOCK_TOLERANCE_S = 60;

const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

/** The platform's keys, fetched once and again when a token names a key not yet seen. */
function platformKeys(jwksUrl: string): ReturnType<typeof createRemoteJWKSet> {
  let keys = keySets.get(jwksUrl);
  if (!keys) {
    keys = createRemoteJWKSet(new URL(jwksUrl), { timeoutDuration: 5000, cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
    keySets.set(jwksUrl, keys);
  }
  return keys;
}

async function verifiedPayload(idToken: string, platform: Platform): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(idToken, platformKeys(platform.jwksUrl), {
      issuer: platform.issuer,
      audience: platform.clientId,
      algorithms: ALGORITHMS,
      clockTolerance: CLOCK_TOLERANCE_S,
      requiredClaims: ['sub', 'exp', 'iat', 'nonce'],
    });
    return payload;
  } catch (error) {
    throw new LaunchRefused(refusal(error, platform), 401);
  }
}

function refusal(error: unknown, platform: Platform): string {
  if (error instanceof errors.JWTExpired) return `The launch's id_token expired (at ${new Date(Number(error.payload.exp) * 1000).toISOString()}). Open the activity again from your course.`;
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return `The id_token was issued by ${JSON.stringify(error.payload.iss)}, not by ${platform.issuer}, where this login began.`;
    if (error.claim === 'aud') return `The id_token is addressed to ${JSON.stringify(error.payload.aud)}, not to Drydock's client id ${platform.clientId} at ${platform.name}.`;
    return `The id_token's "${error.claim}" claim is not acceptable: ${error.message}.`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey) {
    return `The id_token is not signed by ${platform.name}: its signature does not verify with the platform's keys (${platform.jwksUrl}). A forged or altered launch is refused.`;
  }
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return `${platform.name}'s keys (${platform.jwksUrl}) could not be read: ${(error as Error).message}.`;
  if (error instanceof errors.JOSEAlgNotAllowed) return `The id_token is signed with an algorithm Drydock does not accept (${ALGORITHMS.join(', ')} are).`;
  if (error instanceof errors.JOSEError) return `The id_token is not a valid signed token: ${error.message}.`;
  return `${platform.name}'s keys (${platform.jwksUrl}) could not be read: ${(error as Error).message}.`;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value.slice(0, 500) : undefined;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** The launch's claims, every check passed; LaunchRefused says which did not. */
export async function verifyLaunch(idToken: string, platform: Platform, login: PendingLogin): Promise<VerifiedLaunch> {
  const payload = await verifiedPayload(idToken, platform);
  // With several audiences, the authorized party must be Drydock (OIDC Core 3.1.3.7).
  if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== platform.clientId) {
    throw new LaunchRefused(`The id_token names several audiences and its authorized party is ${JSON.stringify(payload.azp)}, not Drydock's client id ${platform.clientId}.`, 401);
  }
  if (payload.azp !== undefined && payload.azp !== platform.clientId) throw new LaunchRefused(`The id_token's authorized party is ${JSON.stringify(payload.azp)}, not Drydock's client id ${platform.clientId}.`, 401);
  if (payload.nonce !== login.nonce) throw new LaunchRefused('The id_token does not answer this login (its nonce differs): a replayed or forged launch is refused. Open the activity again from your course.', 401);
  const deploymentId = text(payload[CLAIMS.deploymentId]);
  if (!deploymentId || !platform.deploymentIds.includes(deploymentId)) {
    throw new LaunchRefused(`The deployment ${JSON.stringify(deploymentId ?? null)} is not registered for ${platform.name} (registered: ${platform.deploymentIds.join(', ')}). The operator adds it with npm run lti -- update.`, 403);
  }
  const messageType = payload[CLAIMS.messageType];
  if (!MESSAGE_TYPES.includes(messageType as MessageType)) throw new LaunchRefused(`Drydock does not handle the LTI message type ${JSON.stringify(messageType ?? null)}; it takes ${MESSAGE_TYPES.join(' and ')}.`);
  if (payload[CLAIMS.version] !== LTI_VERSION) throw new LaunchRefused(`The launch is LTI version ${JSON.stringify(payload[CLAIMS.version] ?? null)}; Drydock speaks ${LTI_VERSION}.`);
  const targetLinkUri = text(payload[CLAIMS.targetLinkUri]) ?? login.targetLinkUri;
  if (login.targetLinkUri && targetLinkUri !== login.targetLinkUri) throw new LaunchRefused(`The id_token targets ${targetLinkUri}, but the login began for ${login.targetLinkUri}.`);
  return {
    platformId: platform.id,
    messageType: messageType as MessageType,
    deploymentId,
    subject: text(payload.sub)!,
    name: text(payload.name) ?? ([text(payload.given_name), text(payload.family_name)].filter(Boolean).join(' ') || undefined),
    email: text(payload.email),
    roles: Array.isArray(payload[CLAIMS.roles]) ? (payload[CLAIMS.roles] as unknown[]).filter((role): role is string => typeof role === 'string') : [],
    context: contextOf(record(payload[CLAIMS.context])),
    targetLinkUri,
    custom: customOf(record(payload[CLAIMS.custom])),
    lineItem: lineItemOf(record(payload[CLAIMS.ags])),
    deepLinking: deepLinkingOf(messageType as MessageType, record(payload[CLAIMS.deepLinkingSettings])),
  };
}

function contextOf(claim: Record<string, unknown> | undefined): { id: string; title?: string } | undefined {
  const id = text(claim?.id);
  return id ? { id, title: text(claim?.title) } : undefined;
}

function customOf(claim: Record<string, unknown> | undefined): Record<string, string> {
  const custom: Record<string, string> = {};
  for (const [key, value] of Object.entries(claim ?? {})) if (typeof value === 'string' || typeof value === 'number') custom[key] = String(value);
  return custom;
}

/** The launch's own line item, when Drydock may post scores to it: over HTTPS (plain
 * HTTP only on this machine), so a launch cannot point Drydock's posts into a network. */
function lineItemOf(claim: Record<string, unknown> | undefined): string | undefined {
  const scopes = Array.isArray(claim?.scope) ? claim.scope : [];
  const lineItem = text(claim?.lineitem);
  if (!lineItem || !scopes.includes(SCORE_SCOPE)) return undefined;
  try {
    const url = new URL(lineItem);
    return platformAddressAllowed(url) ? lineItem : undefined;
  } catch {
    return undefined;
  }
}

function deepLinkingOf(messageType: MessageType, claim: Record<string, unknown> | undefined): VerifiedLaunch['deepLinking'] {
  if (messageType !== 'LtiDeepLinkingRequest') return undefined;
  const returnUrl = text(claim?.deep_link_return_url);
  if (!returnUrl || !/^https?:\/\//.test(returnUrl)) throw new LaunchRefused('The deep-linking request carries no deep_link_return_url: Drydock would not know where to send your choice.');
  const acceptTypes = Array.isArray(claim?.accept_types) ? claim.accept_types.filter((type): type is string => typeof type === 'string') : [];
  if (acceptTypes.length > 0 && !acceptTypes.includes('ltiResourceLink')) throw new LaunchRefused(`The course accepts ${acceptTypes.join(', ')} here, and Drydock offers LTI resource links only.`);
  return { returnUrl, data: text(claim?.data) };
}
