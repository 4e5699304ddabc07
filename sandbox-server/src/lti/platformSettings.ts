// A platform registration as an operator gives it, checked field by field: every URL
// absolute (HTTPS, or HTTP for a platform on this machine), at least one deployment id.
import type { NewPlatform } from '../store/ltiPlatformStore.js';

export class PlatformSettingsError extends Error {}

const FIELDS: { key: keyof NewPlatform; flag: string; what: string }[] = [
  { key: 'name', flag: '--name', what: 'what people call the platform ("Moodle of Example School")' },
  { key: 'issuer', flag: '--issuer', what: "the platform's issuer (Moodle: its site URL; Canvas: https://canvas.instructure.com)" },
  { key: 'clientId', flag: '--client-id', what: 'the client id the platform gave Drydock' },
  { key: 'deploymentIds', flag: '--deployment', what: 'deployment ids, comma-separated' },
  { key: 'authUrl', flag: '--auth-url', what: "the platform's authentication request URL (OIDC authorization endpoint)" },
  { key: 'tokenUrl', flag: '--token-url', what: "the platform's access token URL" },
  { key: 'jwksUrl', flag: '--jwks-url', what: "the platform's public keyset URL" },
];

export const PLATFORM_FLAGS = FIELDS.map((field) => `  ${field.flag.padEnd(14)} ${field.what}`).join('\n');

/** A platform address Drydock will call: HTTPS, or plain HTTP to this machine only. */
export function platformAddressAllowed(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname));
}

function url(value: string, flag: string): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new PlatformSettingsError(`${flag} must be an absolute URL, got "${value}"`);
  }
  if (!platformAddressAllowed(parsed)) throw new PlatformSettingsError(`${flag} must use https (http only for a platform on this machine), got "${value}"`);
  return parsed.toString();
}

/** The registration from `--flag value` pairs; `base` fills what an update leaves out. */
export function parsePlatform(values: Record<string, string>, base?: NewPlatform): NewPlatform {
  const known = new Set(FIELDS.map((field) => field.flag));
  for (const flag of Object.keys(values)) if (!known.has(flag)) throw new PlatformSettingsError(`unknown option ${flag}; the options are:\n${PLATFORM_FLAGS}`);
  const text = (flag: string, fallback?: string): string => {
    const value = (values[flag] ?? fallback ?? '').trim();
    if (!value) throw new PlatformSettingsError(`${flag} is missing: ${FIELDS.find((field) => field.flag === flag)!.what}`);
    return value;
  };
  return {
    name: text('--name', base?.name).slice(0, 100),
    // The issuer is compared exactly with a token's iss: kept as given, not normalised.
    issuer: text('--issuer', base?.issuer),
    clientId: text('--client-id', base?.clientId),
    deploymentIds: text('--deployment', base?.deploymentIds.join(',')).split(',').map((id) => id.trim()).filter(Boolean),
    authUrl: url(text('--auth-url', base?.authUrl), '--auth-url'),
    tokenUrl: url(text('--token-url', base?.tokenUrl), '--token-url'),
    jwksUrl: url(text('--jwks-url', base?.jwksUrl), '--jwks-url'),
  };
}
