// A test LMS: the *platform* side of LTI 1.3 (Security Framework 1.0, Core 1.3, Deep Linking 2.0,
// AGS 2.0) as a small real HTTP server, so the tool is exercised by the same redirects, form posts,
// signed tokens and service calls a real LMS would make. All crypto is jose's.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify, type JWK, type JWTPayload } from 'jose';
import { escapeHtml } from '../../sandbox-server/src/lessons/lessonRenderer.js';
import { LEARNER_COOKIE } from '../../sandbox-server/src/http/learnerRoutes.js';

export const CLAIM = 'https://purl.imsglobal.org/spec/lti/claim/';
export const AGS_CLAIM = 'https://purl.imsglobal.org/spec/lti-ags/claim/endpoint';
export const DL_CLAIM = 'https://purl.imsglobal.org/spec/lti-dl/claim/';
export const LEARNER_ROLE = 'http://purl.imsglobal.org/vocab/lis/v2/membership#Learner';
export const INSTRUCTOR_ROLE = 'http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor';
export const AGS_SCOPE = {
  lineItem: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
  lineItemReadonly: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly',
  resultReadonly: 'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
  score: 'https://purl.imsglobal.org/spec/lti-ags/scope/score',
} as const;
const GRANTABLE = new Set<string>(Object.values(AGS_SCOPE));
const ACTIVITY = ['Initialized', 'Started', 'InProgress', 'Submitted', 'Completed'];
const GRADING = ['FullyGraded', 'Pending', 'PendingManual', 'Failed', 'NotReady'];
// AGS 2.0: ISO 8601 with sub-second precision and a time zone designator.
const SCORE_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+(Z|[+-]\d{2}:\d{2})$/;

export interface PlatformUser { sub: string; name?: string; givenName?: string; familyName?: string; email?: string; roles?: string[] }
/** How a test wants a launch's id_token spoilt, to see the tool refuse it. */
export type Spoil = 'wrong-key' | 'expired' | 'wrong-audience' | 'wrong-deployment' | 'wrong-version' | 'wrong-message-type' | 'wrong-nonce' | 'wrong-issuer';
export interface LaunchOptions {
  user: PlatformUser;
  messageType?: 'LtiResourceLinkRequest' | 'LtiDeepLinkingRequest';
  targetLinkUri: string;
  custom?: Record<string, string>;
  context?: { id: string; title?: string; label?: string };
  resourceLink?: { id: string; title?: string };
  lineItem?: string;
  deploymentId?: string;
  spoil?: Spoil;
}
export interface ReceivedScore { lineItem: string; score: Record<string, unknown>; receivedAt: string }
export interface DeepLinkReturn { jwt: string; payload: Record<string, unknown>; contentItems: Record<string, unknown>[] }
export interface LineItem { id: string; label: string; scoreMaximum: number; resourceLinkId?: string }
export interface TokenRequest { scope: string; ok: boolean; error?: string; errorDescription?: string }
interface DeepLinkSettings { deep_link_return_url: string; accept_types: string[]; accept_presentation_document_targets: string[]; accept_multiple: boolean; data: string }
interface ToolRegistration { clientId: string; deploymentId: string; toolUrl: string }
type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly json?: Record<string, unknown>) { super(message); }
}

export class TestPlatform {
  readonly issuer: string;
  readonly authUrl: string;
  readonly tokenUrl: string;
  readonly jwksUrl: string;
  readonly clientId: string;
  readonly deploymentId: string;
  readonly toolUrl: string;
  /** The last form the platform posted to the tool's launch URL (for replay tests). */
  lastLaunchForm?: { id_token: string; state: string; action: string };
  refusedScoreCount = 0;
  readonly tokenRequests: TokenRequest[] = [];
  readonly deepLinkReturns: DeepLinkReturn[] = [];
  private readonly pending = new Map<string, LaunchOptions>();
  private readonly lineItems = new Map<string, LineItem>();
  private readonly received: ReceivedScore[] = [];
  private readonly tokens = new Map<string, { scopes: Set<string>; expiresAt: number }>();
  private readonly seenJtis = new Set<string>();
  private readonly deepLinkData = new Map<string, DeepLinkSettings>();
  private readonly toolKeys: ReturnType<typeof createRemoteJWKSet>;
  private scoresDown = false;
  private readonly lockedLineItems = new Set<string>();

  private constructor(private readonly server: http.Server, readonly url: string, tool: ToolRegistration,
    private readonly key: KeyPair, private readonly wrongKey: KeyPair, private readonly publicJwk: JWK) {
    this.issuer = url;
    this.authUrl = `${url}/auth`;
    this.tokenUrl = `${url}/token`;
    this.jwksUrl = `${url}/jwks`;
    this.clientId = tool.clientId;
    this.deploymentId = tool.deploymentId;
    this.toolUrl = tool.toolUrl.replace(/\/+$/, '');
    this.toolKeys = createRemoteJWKSet(new URL(`${this.toolUrl}/lti/jwks`));
  }

  static async start(tool: ToolRegistration): Promise<TestPlatform> {
    const [key, wrongKey] = await Promise.all([0, 1].map(() => generateKeyPair('RS256', { extractable: true })));
    const jwk = await exportJWK(key.publicKey);
    const publicJwk: JWK = { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'RS256', use: 'sig' };
    let platform: TestPlatform | undefined;
    const server = http.createServer((req, res) => void platform?.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    platform = new TestPlatform(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, tool, key, wrongKey, publicJwk);
    return platform;
  }

  /** What an operator registers for this platform in a tool (Drydock's `npm run lti -- register`). */
  registration(name: string) {
    return { name, issuer: this.issuer, clientId: this.clientId, deploymentIds: [this.deploymentId], authUrl: this.authUrl, tokenUrl: this.tokenUrl, jwksUrl: this.jwksUrl };
  }

  createLineItem(options: { label: string; scoreMaximum: number; resourceLinkId?: string }): string {
    const id = `${this.url}/lineitems/${this.lineItems.size + 1}`;
    this.lineItems.set(id, { id, ...options });
    return id;
  }

  launchUrl(options: LaunchOptions): string {
    const id = randomUUID();
    this.pending.set(id, options);
    return `${this.url}/launch/${id}`;
  }

  /** The browser's part of a launch done with fetch: the tool's cookies are kept and sent back to it. */
  async launch(options: LaunchOptions): Promise<{ form: { id_token: string; state: string }; launchUrl: string; response: Response; cookies: string }> {
    const launchUrl = this.launchUrl(options);
    const jar = new Map<string, string>();
    let location = await redirectTarget(await fetch(launchUrl, { redirect: 'manual' }), launchUrl);
    // Follow the tool's redirects (its login may bounce more than once) until it sends us to /auth.
    for (let hops = 0; !location.startsWith(`${this.authUrl}?`); hops++) {
      if (hops >= 5) throw new Error(`too many redirects before reaching ${this.authUrl}; last ${location}`);
      const answer = await fetch(location, { redirect: 'manual', headers: cookieHeader(jar) });
      absorbCookies(jar, answer);
      location = await redirectTarget(answer, location);
    }
    const auth = await fetch(location, { redirect: 'manual' });
    const page = await auth.text();
    if (auth.status !== 200) throw new Error(`platform auth answered ${auth.status}: ${page}`);
    const { action, id_token, state } = parseAutoPostForm(page);
    const response = await fetch(action, {
      method: 'POST', redirect: 'manual',
      // As a browser posts the form: it accepts a page (a tool answers refusals with one).
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html,application/xhtml+xml,*/*;q=0.8', ...cookieHeader(jar) },
      body: new URLSearchParams({ id_token, state }),
    });
    absorbCookies(jar, response);
    return { form: { id_token, state }, launchUrl, response, cookies: joinCookies(jar) };
  }

  scores(lineItem?: string): ReceivedScore[] {
    return this.received.filter((s) => lineItem === undefined || s.lineItem === lineItem);
  }

  refuseScores(down: boolean): void { this.scoresDown = down; }

  /** A teacher locked the grade item (or the course concluded): its scores are refused for good (403). */
  lockLineItem(lineItem: string, locked: boolean): void {
    if (locked) this.lockedLineItems.add(lineItem);
    else this.lockedLineItems.delete(lineItem);
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', this.url);
      const route = `${req.method} ${url.pathname}`;
      let match: RegExpMatchArray | null;
      if ((match = route.match(/^GET \/launch\/([\w-]+)$/))) return this.initiateLogin(res, match[1]);
      if (route === 'GET /auth') return await this.authorize(res, url.searchParams);
      if (route === 'POST /auth') return await this.authorize(res, new URLSearchParams(await readBody(req)));
      if (route === 'GET /jwks') return send(res, 200, JSON.stringify({ keys: [this.publicJwk] }), 'application/json');
      if (route === 'POST /token') return await this.issueToken(res, new URLSearchParams(await readBody(req)));
      if (route === 'GET /lineitems') return this.listLineItems(req, res);
      if ((match = route.match(/^GET \/lineitems\/(\d+)$/))) return this.showLineItem(req, res, `${this.url}/lineitems/${match[1]}`);
      if ((match = route.match(/^POST \/lineitems\/(\d+)\/scores$/))) return await this.acceptScore(req, res, `${this.url}/lineitems/${match[1]}`);
      if (route === 'POST /deep-link-return') return await this.acceptDeepLink(res, new URLSearchParams(await readBody(req)));
      send(res, 404, `no route for ${route}`);
    } catch (error) {
      if (res.headersSent) return void res.destroy();
      if (error instanceof HttpError) return send(res, error.status, error.json ? JSON.stringify(error.json) : error.message, error.json ? 'application/json' : undefined);
      send(res, 500, error instanceof Error ? error.message : String(error));
    }
  }

  /** Third-party initiated login: the platform sends the browser to the tool's login URL. */
  private initiateLogin(res: http.ServerResponse, id: string): void {
    const launch = this.pending.get(id);
    if (!launch) throw new HttpError(404, `no pending launch ${id}`);
    const login = new URL(`${this.toolUrl}/lti/login`);
    const params = { iss: this.issuer, login_hint: launch.user.sub, target_link_uri: launch.targetLinkUri, lti_message_hint: id, client_id: this.clientId, lti_deployment_id: launch.deploymentId ?? this.deploymentId };
    for (const [name, value] of Object.entries(params)) login.searchParams.set(name, value);
    res.writeHead(302, { location: login.href, 'cache-control': 'no-store' }).end();
  }

  /** The OIDC authentication request (Security Framework 5.1.1.2) answered with an auto-posted id_token. */
  private async authorize(res: http.ServerResponse, params: URLSearchParams): Promise<void> {
    const expect = (name: string, value: string) => { if (params.get(name) !== value) throw new HttpError(400, `${name} must be ${value}, got ${params.get(name)}`); };
    expect('scope', 'openid');
    expect('response_type', 'id_token');
    expect('response_mode', 'form_post');
    expect('prompt', 'none');
    expect('client_id', this.clientId);
    expect('redirect_uri', `${this.toolUrl}/lti/launch`);
    const launch = this.pending.get(params.get('lti_message_hint') ?? '');
    if (!launch) throw new HttpError(400, `lti_message_hint names no pending launch: ${params.get('lti_message_hint')}`);
    expect('login_hint', launch.user.sub);
    const nonce = params.get('nonce');
    const state = params.get('state');
    if (!nonce || !state) throw new HttpError(400, 'nonce and state are required');
    const action = `${this.toolUrl}/lti/launch`;
    const id_token = await this.idToken(launch, nonce);
    this.lastLaunchForm = { id_token, state, action };
    send(res, 200, autoPostForm(action, { id_token, state }), 'text/html; charset=utf-8');
  }

  private async idToken(launch: LaunchOptions, nonce: string): Promise<string> {
    const spoil = launch.spoil;
    const messageType = launch.messageType ?? 'LtiResourceLinkRequest';
    const now = Math.floor(Date.now() / 1000) - (spoil === 'expired' ? 3600 : 0);
    const audience = spoil === 'wrong-audience' ? 'someone-else' : this.clientId;
    const { user } = launch;
    const claims: JWTPayload = {
      iss: spoil === 'wrong-issuer' ? 'https://elsewhere.example' : this.issuer,
      aud: audience, azp: audience, sub: user.sub, iat: now, exp: now + 300,
      nonce: spoil === 'wrong-nonce' ? randomUUID() : nonce,
      ...definedOnly({ name: user.name, given_name: user.givenName, family_name: user.familyName, email: user.email }),
      [`${CLAIM}message_type`]: spoil === 'wrong-message-type' ? 'LtiSubmissionReviewRequest' : messageType,
      [`${CLAIM}version`]: spoil === 'wrong-version' ? '1.1.0' : '1.3.0',
      [`${CLAIM}deployment_id`]: spoil === 'wrong-deployment' ? `not-${this.deploymentId}` : launch.deploymentId ?? this.deploymentId,
      [`${CLAIM}target_link_uri`]: launch.targetLinkUri,
      [`${CLAIM}roles`]: user.roles ?? [LEARNER_ROLE],
      [`${CLAIM}context`]: launch.context ?? { id: 'course-1', title: 'Docker 101' },
    };
    if (launch.custom) claims[`${CLAIM}custom`] = launch.custom;
    if (messageType === 'LtiResourceLinkRequest') claims[`${CLAIM}resource_link`] = launch.resourceLink ?? { id: 'link-1', title: 'Drydock' };
    if (launch.lineItem) {
      claims[AGS_CLAIM] = { scope: [AGS_SCOPE.lineItem, AGS_SCOPE.resultReadonly, AGS_SCOPE.score], lineitems: `${this.url}/lineitems`, lineitem: launch.lineItem };
    }
    if (messageType === 'LtiDeepLinkingRequest') {
      const settings: DeepLinkSettings = {
        deep_link_return_url: `${this.url}/deep-link-return`, accept_types: ['ltiResourceLink'],
        accept_presentation_document_targets: ['iframe', 'window'], accept_multiple: false, data: `opaque-${randomUUID()}`,
      };
      this.deepLinkData.set(settings.data, settings);
      claims[`${DL_CLAIM}deep_linking_settings`] = settings;
    }
    // wrong-key keeps our kid so only the signature can give it away.
    const signer = spoil === 'wrong-key' ? this.wrongKey : this.key;
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: this.publicJwk.kid, typ: 'JWT' }).sign(signer.privateKey);
  }

  /** OAuth 2 client credentials with a JWT client assertion (Security Framework 4.1). */
  private async issueToken(res: http.ServerResponse, form: URLSearchParams): Promise<void> {
    const scope = form.get('scope') ?? '';
    const refuse = (error: string, description: string): never => {
      this.tokenRequests.push({ scope, ok: false, error, errorDescription: description });
      throw new HttpError(400, description, { error, error_description: description });
    };
    if (form.get('grant_type') !== 'client_credentials') refuse('unsupported_grant_type', `grant_type must be client_credentials, got ${form.get('grant_type')}`);
    if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') refuse('invalid_request', 'client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    const assertion = form.get('client_assertion');
    if (!assertion) refuse('invalid_request', 'client_assertion is required');
    let jti: unknown;
    try {
      const { payload } = await jwtVerify(assertion!, this.toolKeys, {
        algorithms: ['RS256'], issuer: this.clientId, subject: this.clientId, audience: this.tokenUrl, requiredClaims: ['exp', 'jti'],
      });
      jti = payload.jti;
    } catch (error) {
      refuse('invalid_client', `client_assertion refused: ${(error as Error).message}`);
    }
    if (typeof jti !== 'string' || this.seenJtis.has(jti)) refuse('invalid_client', `client_assertion jti ${String(jti)} was already used`);
    this.seenJtis.add(jti as string);
    const granted = scope.split(' ').filter((s) => GRANTABLE.has(s));
    if (granted.length === 0) refuse('invalid_scope', `no grantable scope in "${scope}"`);
    const access_token = randomBytes(32).toString('base64url');
    this.tokens.set(access_token, { scopes: new Set(granted), expiresAt: Date.now() + 3600_000 });
    this.tokenRequests.push({ scope, ok: true });
    send(res, 200, JSON.stringify({ access_token, token_type: 'Bearer', expires_in: 3600, scope: granted.join(' ') }), 'application/json');
  }

  /** Throws 401 unless the request bears a live token granted `scope` (or any scope when omitted). */
  private requireToken(req: http.IncomingMessage, scope?: string): void {
    const token = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const grant = token ? this.tokens.get(token) : undefined;
    if (!grant || grant.expiresAt < Date.now()) throw new HttpError(401, 'a valid Bearer access token is required');
    if (scope && !grant.scopes.has(scope)) throw new HttpError(401, `the access token was not granted ${scope}`);
  }

  private listLineItems(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.requireToken(req);
    send(res, 200, JSON.stringify([...this.lineItems.values()]), 'application/vnd.ims.lis.v2.lineitemcontainer+json');
  }

  private showLineItem(req: http.IncomingMessage, res: http.ServerResponse, id: string): void {
    this.requireToken(req);
    const item = this.lineItems.get(id);
    if (!item) throw new HttpError(404, `no line item ${id}`);
    send(res, 200, JSON.stringify(item), 'application/vnd.ims.lis.v2.lineitem+json');
  }

  private async acceptScore(req: http.IncomingMessage, res: http.ServerResponse, lineItem: string): Promise<void> {
    // An outage refuses everything, before any checks, so a tool's retry logic sees a plain 503.
    if (this.scoresDown) {
      this.refusedScoreCount++;
      throw new HttpError(503, 'scores service unavailable');
    }
    this.requireToken(req, AGS_SCOPE.score);
    if (!this.lineItems.has(lineItem)) throw new HttpError(404, `no line item ${lineItem}`);
    if (this.lockedLineItems.has(lineItem)) throw new HttpError(403, 'grades for this item are locked');
    const type = req.headers['content-type'] ?? '';
    if (!type.startsWith('application/vnd.ims.lis.v1.score+json')) throw new HttpError(400, `content-type must be application/vnd.ims.lis.v1.score+json, got ${type}`);
    let score: unknown;
    try { score = JSON.parse(await readBody(req)); } catch { throw new HttpError(400, 'the body is not JSON'); }
    const problem = scoreProblem(score);
    if (problem) throw new HttpError(400, problem);
    this.received.push({ lineItem, score: score as Record<string, unknown>, receivedAt: new Date().toISOString() });
    send(res, 200, '{}', 'application/json');
  }

  /** The tool's LtiDeepLinkingResponse (Deep Linking 2.0 section 4.2), posted by the browser. */
  private async acceptDeepLink(res: http.ServerResponse, form: URLSearchParams): Promise<void> {
    const jwt = form.get('JWT');
    if (!jwt) throw new HttpError(400, 'the JWT form field is required');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(jwt, this.toolKeys, { algorithms: ['RS256'], issuer: this.clientId, audience: this.issuer, requiredClaims: ['exp'] }));
    } catch (error) {
      throw new HttpError(400, `deep linking response refused: ${(error as Error).message}`);
    }
    const claim = (name: string) => payload[`${CLAIM}${name}`];
    if (claim('message_type') !== 'LtiDeepLinkingResponse') throw new HttpError(400, `message_type must be LtiDeepLinkingResponse, got ${claim('message_type')}`);
    if (claim('version') !== '1.3.0') throw new HttpError(400, `version must be 1.3.0, got ${claim('version')}`);
    if (claim('deployment_id') !== this.deploymentId) throw new HttpError(400, `deployment_id must be ${this.deploymentId}, got ${claim('deployment_id')}`);
    const settings = this.deepLinkData.get(String(payload[`${DL_CLAIM}data`]));
    if (!settings) throw new HttpError(400, `data does not match any deep linking request: ${payload[`${DL_CLAIM}data`]}`);
    const items = payload[`${DL_CLAIM}content_items`] ?? [];
    if (!Array.isArray(items) || items.some((item) => typeof item !== 'object' || item === null)) throw new HttpError(400, 'content_items must be an array of objects');
    const contentItems = items as Record<string, unknown>[];
    const foreign = contentItems.find((item) => !settings.accept_types.includes(String(item.type)));
    if (foreign) throw new HttpError(400, `content item type ${foreign.type} is not among accept_types ${settings.accept_types.join(', ')}`);
    if (!settings.accept_multiple && contentItems.length > 1) throw new HttpError(400, 'accept_multiple is false but several content items were returned');
    this.deepLinkReturns.push({ jwt, payload: payload as Record<string, unknown>, contentItems });
    const body = `<!doctype html><title>Deep link received</title><p id="deep-link-received">Received ${escapeHtml(String(contentItems.length))} item(s)</p>`;
    send(res, 200, body, 'text/html; charset=utf-8');
  }
}

/** Why a score (AGS 2.0 section 3.4) is malformed, or null when it is fine. */
function scoreProblem(score: unknown): string | null {
  if (typeof score !== 'object' || score === null || Array.isArray(score)) return 'the score must be a JSON object';
  const s = score as Record<string, unknown>;
  const isNumber = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  if (typeof s.userId !== 'string' || !s.userId) return 'userId is required';
  if (s.scoreGiven !== undefined && (!isNumber(s.scoreGiven) || (s.scoreGiven as number) < 0)) return 'scoreGiven must be a number >= 0';
  if (s.scoreGiven !== undefined && (!isNumber(s.scoreMaximum) || (s.scoreMaximum as number) <= 0)) return 'scoreMaximum must be a number > 0 when scoreGiven is present';
  if (!ACTIVITY.includes(String(s.activityProgress))) return `activityProgress must be one of ${ACTIVITY.join(', ')}`;
  if (!GRADING.includes(String(s.gradingProgress))) return `gradingProgress must be one of ${GRADING.join(', ')}`;
  if (typeof s.timestamp !== 'string' || !SCORE_TIMESTAMP.test(s.timestamp) || Number.isNaN(Date.parse(s.timestamp))) return 'timestamp must be ISO 8601 with sub-second precision and a time zone';
  return null;
}

function send(res: http.ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
}

function readBody(req: http.IncomingMessage, limit = 1_000_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return reject(new HttpError(413, 'request body too large'));
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function definedOnly(values: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Record<string, string>;
}

/** The Drydock learner cookie a launch left in the browser's jar ("name=value"). */
export function learnerCookie(cookies: string): string {
  const cookie = cookies.split('; ').find((pair) => pair.startsWith(`${LEARNER_COOKIE}=`));
  if (!cookie) throw new Error(`no learner cookie in ${cookies}`);
  return cookie;
}

export function unescapeHtml(value: string): string {
  return value.replace(/&(amp|quot|#39|lt|gt);/g, (_, e: string) => ({ amp: '&', quot: '"', '#39': "'", lt: '<', gt: '>' })[e]!);
}

/** The form_post page: real browsers submit it by script, no-JS ones by the button. */
export function autoPostForm(action: string, fields: Record<string, string>): string {
  const inputs = Object.entries(fields).map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`).join('');
  return `<!doctype html><title>Launching…</title><form method="post" action="${escapeHtml(action)}">${inputs}<button type="submit">Continue</button></form><script>document.forms[0].submit()</script>`;
}

/** Reads the auto-post form back (ours, so attribute order is known). */
export function parseAutoPostForm(html: string): { action: string; id_token: string; state: string } {
  const action = /<form[^>]*\saction="([^"]*)"/.exec(html)?.[1];
  const fields = new Map([...html.matchAll(/<input[^>]*\sname="([^"]*)"[^>]*\svalue="([^"]*)"/g)].map((m) => [unescapeHtml(m[1]), unescapeHtml(m[2])]));
  const id_token = fields.get('id_token');
  const state = fields.get('state');
  if (action === undefined || id_token === undefined || state === undefined) throw new Error(`not an id_token form post: ${html.slice(0, 300)}`);
  return { action: unescapeHtml(action), id_token, state };
}

async function redirectTarget(response: Response, from: string): Promise<string> {
  const location = response.headers.get('location');
  if (response.status < 300 || response.status > 399 || !location) {
    throw new Error(`expected a redirect from ${from}, got ${response.status}: ${(await response.text()).slice(0, 300)}`);
  }
  return new URL(location, from).href;
}

/** A minimal cookie jar: name=value pairs, dropping ones the server expires. */
function absorbCookies(jar: Map<string, string>, response: Response): void {
  for (const line of response.headers.getSetCookie()) {
    const [pair, ...attributes] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    const expired = attributes.some((a) => {
      const [key, value = ''] = a.split('=').map((part) => part.trim());
      return (/^max-age$/i.test(key) && Number(value) <= 0) || (/^expires$/i.test(key) && Date.parse(value) < Date.now());
    });
    if (expired) jar.delete(name);
    else jar.set(name, pair.slice(eq + 1).trim());
  }
}

function joinCookies(jar: Map<string, string>): string {
  return [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
}

function cookieHeader(jar: Map<string, string>): Record<string, string> {
  return jar.size ? { cookie: joinCookies(jar) } : {};
}
