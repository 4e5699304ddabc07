// The small pure parts of the LTI tool: what a launch names, where scores go, who
// teaches, and an operator's registration checked field by field.
import { describe, expect, it } from 'vitest';
import { launchTarget } from '../../sandbox-server/src/lti/launchTarget.js';
import { scoresUrl } from '../../sandbox-server/src/lti/platformAccess.js';
import { teaches } from '../../sandbox-server/src/lti/ltiClaims.js';
import { parsePlatform, PlatformSettingsError } from '../../sandbox-server/src/lti/platformSettings.js';

describe('what a launch names', () => {
  const uri = 'https://drydock.example/lti/launch';
  it('takes custom parameters first, then the target link URI', () => {
    expect(launchTarget({ custom: { lesson: '07-volumes' }, targetLinkUri: `${uri}?lesson=other` })).toEqual({ lesson: '07-volumes', classroom: undefined });
    expect(launchTarget({ custom: {}, targetLinkUri: `${uri}?lesson=03-dockerfiles` })).toEqual({ lesson: '03-dockerfiles', classroom: undefined });
    expect(launchTarget({ custom: {}, targetLinkUri: 'https://drydock.example/#/lesson/05-networks' })).toEqual({ lesson: '05-networks', classroom: undefined });
    expect(launchTarget({ custom: { classroom: 'abc' }, targetLinkUri: uri })).toEqual({ lesson: undefined, classroom: 'abc' });
    expect(launchTarget({ custom: {}, targetLinkUri: uri })).toEqual({ lesson: undefined, classroom: undefined });
    expect(launchTarget({ custom: {}, targetLinkUri: 'not a url' })).toEqual({ lesson: undefined, classroom: undefined });
  });
  it('keeps an odd name short, for the refusal to quote', () => {
    expect(launchTarget({ custom: { lesson: 'x'.repeat(500) }, targetLinkUri: uri }).lesson).toHaveLength(100);
  });
});

describe('the scores endpoint of a line item', () => {
  it('adds /scores to the path and keeps the query', () => {
    expect(scoresUrl('https://lms.example/api/lti/courses/1/line_items/2')).toBe('https://lms.example/api/lti/courses/1/line_items/2/scores');
    expect(scoresUrl('https://lms.example/mod/lti/services.php/2/lineitems/7/lineitem?type_id=3')).toBe('https://lms.example/mod/lti/services.php/2/lineitems/7/lineitem/scores?type_id=3');
    expect(scoresUrl('https://lms.example/lineitems/9/')).toBe('https://lms.example/lineitems/9/scores');
  });
});

describe('who teaches', () => {
  it('knows instructors, teaching assistants and administrators, and not learners', () => {
    expect(teaches(['http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor'])).toBe(true);
    expect(teaches(['http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant'])).toBe(true);
    expect(teaches(['http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator'])).toBe(true);
    expect(teaches(['Instructor'])).toBe(true);
    expect(teaches(['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'])).toBe(false);
    expect(teaches([])).toBe(false);
  });
});

describe("an operator's registration", () => {
  const full = {
    '--name': 'Moodle',
    '--issuer': 'https://moodle.example.edu',
    '--client-id': 'abc',
    '--deployment': '1, 2',
    '--auth-url': 'https://moodle.example.edu/mod/lti/auth.php',
    '--token-url': 'https://moodle.example.edu/mod/lti/token.php',
    '--jwks-url': 'https://moodle.example.edu/mod/lti/certs.php',
  };
  it('takes every field, deployments comma-separated', () => {
    expect(parsePlatform(full)).toMatchObject({ name: 'Moodle', issuer: 'https://moodle.example.edu', clientId: 'abc', deploymentIds: ['1', '2'] });
  });
  it('names what is missing or wrong', () => {
    const { '--client-id': _, ...missing } = full;
    expect(() => parsePlatform(missing)).toThrow(/--client-id is missing/);
    expect(() => parsePlatform({ ...full, '--token-url': 'http://moodle.example.edu/token' })).toThrow(/--token-url must use https/);
    expect(() => parsePlatform({ ...full, '--jwks-url': 'certs.php' })).toThrow(/--jwks-url must be an absolute URL/);
    expect(() => parsePlatform({ ...full, '--colour': 'blue' })).toThrow(PlatformSettingsError);
    expect(parsePlatform({ ...full, '--auth-url': 'http://localhost:8000/auth' }).authUrl).toBe('http://localhost:8000/auth');
  });
  it('keeps what an update leaves out', () => {
    const current = parsePlatform(full);
    expect(parsePlatform({ '--deployment': '3' }, current)).toEqual({ ...current, deploymentIds: ['3'] });
  });
});
