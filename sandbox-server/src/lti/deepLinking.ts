// Deep linking (LTI Deep Linking 2.0): a teacher editing their course picks a lesson or a
// classroom from Drydock's catalog instead of typing ids. The verified request becomes a
// pick (a short-lived token Drydock signs for itself, carried by the picker page); the
// choice becomes a signed LtiDeepLinkingResponse that the page posts back to the
// platform, with a line item so the gradebook gets its column.
import crypto from 'node:crypto';
import type { Platform } from '../store/ltiPlatformStore.js';
import type { ToolKeys } from './toolKeys.js';
import { CLAIMS, LTI_VERSION, type VerifiedLaunch } from './ltiClaims.js';

const PICK_AUDIENCE = 'drydock:deep-link-pick';
const PICK_LIFETIME_S = 60 * 60;

export interface Pick {
  platformId: string;
  deploymentId: string;
  returnUrl: string;
  data?: string;
  contextId?: string;
  contextTitle?: string;
  subject: string;
}

export interface ResourceLinkItem {
  type: 'ltiResourceLink';
  title: string;
  text?: string;
  url: string;
  custom: Record<string, string>;
  lineItem?: { scoreMaximum: number; label: string; resourceId: string };
}

export function createPick(keys: ToolKeys, launch: VerifiedLaunch): Promise<string> {
  const pick: Pick = {
    platformId: launch.platformId,
    deploymentId: launch.deploymentId,
    returnUrl: launch.deepLinking!.returnUrl,
    data: launch.deepLinking!.data,
    contextId: launch.context?.id,
    contextTitle: launch.context?.title,
    subject: launch.subject,
  };
  return keys.sign({ aud: PICK_AUDIENCE, pick }, PICK_LIFETIME_S);
}

export async function readPick(keys: ToolKeys, token: string): Promise<Pick | undefined> {
  const payload = await keys.verifyOwn(token, PICK_AUDIENCE);
  return payload?.pick as Pick | undefined;
}

/** A resource link for the course: its launches open what `custom` names. */
export function resourceLink(launchUrl: string, title: string, custom: Record<string, string>, text?: string, scoreMaximum?: number): ResourceLinkItem {
  return {
    type: 'ltiResourceLink',
    title,
    ...(text ? { text } : {}),
    url: launchUrl,
    custom,
    ...(scoreMaximum && scoreMaximum > 0 ? { lineItem: { scoreMaximum, label: title, resourceId: Object.entries(custom).map(([key, value]) => `${key}:${value}`).join(',') } } : {}),
  };
}

/** The signed answer the platform expects at its return URL, in the form field JWT. */
export function deepLinkingResponse(keys: ToolKeys, platform: Platform, pick: Pick, items: ResourceLinkItem[]): Promise<string> {
  return keys.sign(
    {
      iss: platform.clientId,
      aud: platform.issuer,
      nonce: crypto.randomBytes(16).toString('base64url'),
      [CLAIMS.deploymentId]: pick.deploymentId,
      [CLAIMS.messageType]: 'LtiDeepLinkingResponse',
      [CLAIMS.version]: LTI_VERSION,
      [CLAIMS.contentItems]: items,
      ...(pick.data !== undefined ? { [CLAIMS.deepLinkingData]: pick.data } : {}),
    },
    300,
  );
}
