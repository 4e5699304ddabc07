// The names LTI 1.3 gives its claims, roles and scopes (LTI Core 1.3, Deep Linking 2.0,
// Assignment and Grade Services 2.0), and the shape of a verified launch.
const LTI = 'https://purl.imsglobal.org/spec/lti/claim/';
const DL = 'https://purl.imsglobal.org/spec/lti-dl/claim/';

export const CLAIMS = {
  messageType: `${LTI}message_type`,
  version: `${LTI}version`,
  deploymentId: `${LTI}deployment_id`,
  targetLinkUri: `${LTI}target_link_uri`,
  roles: `${LTI}roles`,
  context: `${LTI}context`,
  custom: `${LTI}custom`,
  ags: 'https://purl.imsglobal.org/spec/lti-ags/claim/endpoint',
  deepLinkingSettings: `${DL}deep_linking_settings`,
  contentItems: `${DL}content_items`,
  deepLinkingData: `${DL}data`,
} as const;

export const LTI_VERSION = '1.3.0';
export const SCORE_SCOPE = 'https://purl.imsglobal.org/spec/lti-ags/scope/score';
export const SCORE_MEDIA_TYPE = 'application/vnd.ims.lis.v1.score+json';

export type MessageType = 'LtiResourceLinkRequest' | 'LtiDeepLinkingRequest';
export const MESSAGE_TYPES: readonly MessageType[] = ['LtiResourceLinkRequest', 'LtiDeepLinkingRequest'];

/** Context (course) roles and institution roles that teach: they get the dashboard, not a grade. */
const TEACHING_ROLES = [
  'http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor',
  'http://purl.imsglobal.org/vocab/lis/v2/membership#Administrator',
  'http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper',
  'http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant',
  'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator',
  'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor',
  'http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator',
];

export function teaches(roles: readonly string[]): boolean {
  // Short forms ("Instructor") are deprecated but some platforms still send them.
  return roles.some((role) => TEACHING_ROLES.includes(role) || role === 'Instructor' || role === 'Administrator');
}

/** A launch whose id_token passed every check, with what Drydock uses from it. */
export interface VerifiedLaunch {
  platformId: string;
  messageType: MessageType;
  deploymentId: string;
  subject: string;
  name?: string;
  email?: string;
  roles: string[];
  context?: { id: string; title?: string };
  targetLinkUri: string;
  custom: Record<string, string>;
  /** Where the launch's score goes, when the platform offers it and lets Drydock post scores. */
  lineItem?: string;
  deepLinking?: { returnUrl: string; data?: string };
}
