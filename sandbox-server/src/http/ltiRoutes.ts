// The LTI 1.3 tool's addresses, which an operator pastes into the LMS: /lti/jwks
// (Drydock's public keys), /lti/login (login initiation), /lti/launch (launches and
// deep-linking requests), /lti/config.json (the same, as Canvas reads a developer key);
// and the picker's API, /api/lti/picks/:pick. A refused launch is a page that says why.
import type http from 'node:http';
import type { App } from '../app.js';
import { HttpError, readBody, readJsonBody, sendJson } from './respond.js';
import { learnerCookie } from './learnerRoutes.js';
import { limitCreation } from './rateLimiter.js';
import { hashSecret } from '../store/progressStore.js';
import { settingsError } from './classroomRoutes.js';
import { beginLogin, LOGIN_LIFETIME_MS, type LoginRequest } from '../lti/oidcLogin.js';
import { LaunchRefused, verifyLaunch } from '../lti/launchVerifier.js';
import { land } from '../lti/launchLanding.js';
import { handOverPage, refusalPage } from '../lti/ltiPages.js';
import { deepLinkingResponse, readPick, resourceLink, type Pick } from '../lti/deepLinking.js';
import { lessonMaximum } from '../lti/gradeSync.js';
import { classroomMaxPoints } from '../classrooms/grading.js';
import { SCORE_SCOPE } from '../lti/ltiClaims.js';
import { parseNewClassroom } from '../classrooms/classroomSettings.js';
import { classroomState } from '../classrooms/classroomTypes.js';

export const LTI_PATHS = ['/lti/jwks', '/lti/login', '/lti/launch', '/lti/config.json'];
export const PICK_PATH = /^\/api\/lti\/picks\/([A-Za-z0-9._-]{1,4096})$/;
const STATE_COOKIE = 'drydock_lti_state_';

/** Where people and platforms reach this Drydock: the configured address, else this request's. */
export function publicBase(app: App, req: http.IncomingMessage): string {
  if (app.config.publicUrl) return app.config.publicUrl;
  const host = req.headers.host ?? '';
  if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host)) throw new HttpError(400, 'the request has no usable Host header; set DRYDOCK_PUBLIC_URL');
  const forwarded = app.config.trustProxy ? String(req.headers['x-forwarded-proto'] ?? '').split(',')[0].trim() : '';
  return `${forwarded === 'https' ? 'https' : 'http'}://${host}`;
}

function sendHtml(res: http.ServerResponse, status: number, html: string, cookies: string[] = []): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...(cookies.length ? { 'set-cookie': cookies } : {}) });
  res.end(html);
}

async function formParams(req: http.IncomingMessage, url: URL): Promise<URLSearchParams> {
  if (req.method === 'GET') return url.searchParams;
  const type = String(req.headers['content-type'] ?? '');
  if (!type.startsWith('application/x-www-form-urlencoded')) throw new LaunchRefused(`expected a form post (application/x-www-form-urlencoded), got ${type || 'no content type'}`);
  return new URLSearchParams((await readBody(req)).toString('utf8'));
}

/** A cookie per login, so two launches in two tabs of one browser do not trip each other. */
function stateCookieName(state: string): string {
  return `${STATE_COOKIE}${hashSecret(state).slice(0, 16)}`;
}

function stateCookie(state: string, secure: boolean, maxAgeS: number): string {
  // A launch is a cross-site form post: only SameSite=None cookies (HTTPS) come with it.
  return `${stateCookieName(state)}=1; Path=/lti/; HttpOnly; Max-Age=${maxAgeS}; ${secure ? 'SameSite=None; Secure' : 'SameSite=Lax'}`;
}

/**
 * The launch came back to the browser that began the login. Browsers that block
 * third-party cookies send none: then the single-use state and nonce stand alone.
 */
function sameBrowser(req: http.IncomingMessage, state: string): boolean {
  const names = (req.headers.cookie ?? '').split(';').map((part) => part.trim().split('=')[0]);
  const states = names.filter((name) => name.startsWith(STATE_COOKIE));
  return states.length === 0 || states.includes(stateCookieName(state));
}

async function handleLogin(app: App, req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'POST') throw new LaunchRefused('use GET or POST to begin a login', 405);
  // Each login keeps a row for ten minutes: as many per address as new sessions and joins.
  limitCreation(app.limiter, app.config, req);
  const params = await formParams(req, url);
  const request = Object.fromEntries([...params].filter(([key]) => ['iss', 'login_hint', 'target_link_uri', 'lti_message_hint', 'client_id', 'lti_deployment_id'].includes(key))) as LoginRequest;
  const base = publicBase(app, req);
  const { redirect, state } = await beginLogin(app.lti.platforms, app.lti.launches, request, `${base}/lti/launch`);
  res.writeHead(302, { location: redirect, 'cache-control': 'no-store', 'set-cookie': stateCookie(state, base.startsWith('https:'), LOGIN_LIFETIME_MS / 1000) });
  res.end();
}

async function handleLaunch(app: App, req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
  if (req.method !== 'POST') throw new LaunchRefused('A launch is a form post from your course (LMS); open the activity from your course page.', 405);
  const params = await formParams(req, url);
  if (params.get('error')) throw new LaunchRefused(`Your course's platform did not sign you in: ${params.get('error')}${params.get('error_description') ? ` (${params.get('error_description')})` : ''}.`, 401);
  const idToken = params.get('id_token');
  const state = params.get('state');
  if (!idToken || !state) throw new LaunchRefused('The launch carries no id_token or no state: it did not come from a platform login.');
  const base = publicBase(app, req);
  // The login's cookie has done its work, whatever the launch's fate.
  res.setHeader('set-cookie', stateCookie(state, base.startsWith('https:'), 0));
  const login = await app.lti.launches.takeLogin(state);
  if (!login) throw new LaunchRefused('This launch is not recognised: its login state is unknown, already used or older than 10 minutes. A replayed launch is refused; open the activity again from your course.', 401);
  if (!sameBrowser(req, state)) throw new LaunchRefused('This launch answers a login begun in another browser: refused. Open the activity again from your course.', 401);
  const platform = await app.lti.platforms.byId(login.platformId);
  if (!platform) throw new LaunchRefused('The platform this login began with is no longer registered with Drydock.', 403);
  const launch = await verifyLaunch(idToken, platform, login);
  const landing = await land(app, launch);
  const cookies = [stateCookie(state, base.startsWith('https:'), 0)];
  if (landing.credential) cookies.push(learnerCookie(landing.credential, base.startsWith('https:')));
  sendHtml(res, 200, handOverPage(landing.redirect), cookies);
}

/** What a Canvas developer key (LTI 1.3, "Enter URL") reads; the URLs every LMS asks for. */
function canvasConfig(base: string) {
  return {
    title: 'Drydock',
    description: 'Learn Docker by doing: lessons beside a real terminal into your own sandboxed Docker engine.',
    oidc_initiation_url: `${base}/lti/login`,
    target_link_uri: `${base}/lti/launch`,
    public_jwk_url: `${base}/lti/jwks`,
    scopes: ['https://purl.imsglobal.org/spec/lti-ags/scope/lineitem', 'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly', SCORE_SCOPE],
    extensions: [
      {
        platform: 'canvas.instructure.com',
        privacy_level: 'name_only',
        settings: {
          placements: [
            { placement: 'link_selection', message_type: 'LtiDeepLinkingRequest', target_link_uri: `${base}/lti/launch` },
            { placement: 'assignment_selection', message_type: 'LtiDeepLinkingRequest', target_link_uri: `${base}/lti/launch` },
          ],
        },
      },
    ],
    custom_fields: {},
  };
}

export async function handleLtiRequest(app: App, req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
  try {
    switch (url.pathname) {
      case '/lti/jwks':
        if (req.method !== 'GET') throw new HttpError(405, 'use GET');
        return sendJson(res, 200, await app.lti.keys.jwks());
      case '/lti/config.json':
        if (req.method !== 'GET') throw new HttpError(405, 'use GET');
        return sendJson(res, 200, canvasConfig(publicBase(app, req)));
      case '/lti/login':
        return await handleLogin(app, req, res, url);
      default:
        return await handleLaunch(app, req, res, url);
    }
  } catch (error) {
    // People arrive here in a browser, from their course: a page for them; a program
    // gets the usual JSON reason.
    if (error instanceof LaunchRefused && String(req.headers.accept ?? '').includes('text/html')) return sendHtml(res, error.status, refusalPage(error.message));
    if (error instanceof LaunchRefused) throw new HttpError(error.status, error.message);
    throw error;
  }
}

async function pickOf(app: App, token: string): Promise<Pick> {
  const pick = await readPick(app.lti.keys, token);
  if (!pick) throw new HttpError(401, 'this choice has expired or is not Drydock\'s: open "Add activity" (deep linking) from your course again');
  return pick;
}

/** The picker: GET what a teacher may add to their course; POST their choice, answered with the signed form to post back. */
export async function handlePickRequest(app: App, req: http.IncomingMessage, res: http.ServerResponse, token: string): Promise<void> {
  const pick = await pickOf(app, token);
  const platform = await app.lti.platforms.byId(pick.platformId);
  if (!platform) throw new HttpError(410, 'the platform is no longer registered with Drydock');
  const courseClassrooms = pick.contextId ? await app.lti.launches.courseClassrooms(pick.platformId, pick.contextId) : [];
  if (req.method === 'GET') {
    const classrooms = (await Promise.all(courseClassrooms.map((id) => app.classrooms.byId(id)))).flatMap((classroom) => (classroom ? [classroom] : []));
    return sendJson(res, 200, {
      platform: platform.name,
      course: pick.contextTitle ?? null,
      lessons: app.lessons.summaries().map((lesson) => ({ ...lesson, points: lessonMaximum(app, lesson.id) })),
      classrooms: classrooms.map((classroom) => ({
        id: classroom.id,
        name: classroom.name,
        lessons: classroom.lessons,
        points: classroomMaxPoints(classroom),
        state: classroomState(classroom),
        closesAt: classroom.closesAt,
      })),
    });
  }
  if (req.method !== 'POST') throw new HttpError(405, 'use GET to see the choices, POST { lesson } or { classroom } or { newClassroom } to choose');
  const body = await readJsonBody(req);
  const launchUrl = `${publicBase(app, req)}/lti/launch`;
  let item;
  if (typeof body.lesson === 'string') {
    const lesson = app.lessons.lesson(body.lesson);
    if (!lesson) throw new HttpError(404, `no lesson "${body.lesson}" in the catalog`);
    item = resourceLink(launchUrl, lesson.title, { lesson: lesson.id }, lesson.summary, lessonMaximum(app, lesson.id));
  } else if (typeof body.classroom === 'string') {
    if (!courseClassrooms.includes(body.classroom)) throw new HttpError(404, `no classroom ${body.classroom} in this course`);
    const classroom = (await app.classrooms.byId(body.classroom))!;
    item = resourceLink(launchUrl, classroom.name, { classroom: classroom.id }, undefined, classroomMaxPoints(classroom));
  } else if (typeof body.newClassroom === 'object' && body.newClassroom !== null) {
    if (!pick.contextId) throw new HttpError(400, 'the course sent no context: a classroom needs a course to belong to');
    let settings;
    try {
      settings = parseNewClassroom(body.newClassroom as Record<string, unknown>, app.lessons);
    } catch (error) {
      settingsError(error);
    }
    const { classroom } = await app.classrooms.create(settings);
    await app.lti.launches.bindCourse({ classroomId: classroom.id, platformId: platform.id, contextId: pick.contextId, contextTitle: pick.contextTitle ?? null });
    item = resourceLink(launchUrl, classroom.name, { classroom: classroom.id }, undefined, classroomMaxPoints(classroom));
  } else {
    throw new HttpError(400, 'the body needs "lesson" (a lesson id), "classroom" (one of this course\'s classrooms) or "newClassroom" (its settings)');
  }
  sendJson(res, 200, { action: pick.returnUrl, jwt: await deepLinkingResponse(app.lti.keys, platform, pick, [item]), item });
}
