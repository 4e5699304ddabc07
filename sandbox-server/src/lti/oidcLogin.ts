// Third-party-initiated login (LTI Security Framework 5.1.1): the platform sends the
// browser here with its issuer and a login hint; Drydock answers with a redirect to the
// platform's authorization endpoint carrying a fresh state and nonce, single use and
// good for ten minutes. The platform then posts the launch to /lti/launch.
import crypto from 'node:crypto';
import type { Platform } from '../store/ltiPlatformStore.js';
import type { LtiPlatformStore } from '../store/ltiPlatformStore.js';
import type { LtiLaunchStore } from '../store/ltiLaunchStore.js';
import { LaunchRefused } from './launchVerifier.js';

export const LOGIN_LIFETIME_MS = 10 * 60 * 1000;

export interface LoginRequest {
  iss?: string;
  login_hint?: string;
  target_link_uri?: string;
  lti_message_hint?: string;
  client_id?: string;
  lti_deployment_id?: string;
}

async function loginPlatform(platforms: LtiPlatformStore, request: LoginRequest): Promise<Platform> {
  if (!request.iss) throw new LaunchRefused('The login names no issuer (iss): Drydock cannot tell which platform sent you.');
  const candidates = (await platforms.byIssuer(request.iss)).filter((platform) => !request.client_id || platform.clientId === request.client_id);
  if (candidates.length === 0) {
    throw new LaunchRefused(`No platform with issuer ${request.iss}${request.client_id ? ` and client id ${request.client_id}` : ''} is registered with this Drydock. The operator registers it with npm run lti -- register.`, 403);
  }
  if (candidates.length > 1) throw new LaunchRefused(`Several registrations share the issuer ${request.iss}; the platform must send client_id with its login.`);
  return candidates[0];
}

/** The platform's authorization URL to send the browser to, and the state to bind to it. */
export async function beginLogin(platforms: LtiPlatformStore, launches: LtiLaunchStore, request: LoginRequest, launchUrl: string): Promise<{ redirect: string; state: string }> {
  const platform = await loginPlatform(platforms, request);
  if (!request.login_hint) throw new LaunchRefused('The login carries no login_hint; the platform must send one.');
  if (request.lti_deployment_id && !platform.deploymentIds.includes(request.lti_deployment_id)) {
    throw new LaunchRefused(`The deployment ${request.lti_deployment_id} is not registered for ${platform.name}. The operator adds it with npm run lti -- update.`, 403);
  }
  const state = crypto.randomBytes(24).toString('base64url');
  const nonce = crypto.randomBytes(24).toString('base64url');
  await launches.addLogin(state, { nonce, platformId: platform.id, targetLinkUri: (request.target_link_uri ?? '').slice(0, 2000) }, Date.now() + LOGIN_LIFETIME_MS);
  const redirect = new URL(platform.authUrl);
  const params: Record<string, string> = {
    scope: 'openid',
    response_type: 'id_token',
    response_mode: 'form_post',
    prompt: 'none',
    client_id: platform.clientId,
    redirect_uri: launchUrl,
    login_hint: request.login_hint,
    state,
    nonce,
  };
  if (request.lti_message_hint) params.lti_message_hint = request.lti_message_hint;
  for (const [key, value] of Object.entries(params)) redirect.searchParams.set(key, value);
  return { redirect: redirect.toString(), state };
}
