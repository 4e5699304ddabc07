// `npm run lti` as an operator uses it, on a real SQLite file: registering a platform
// (wrong options answered with what is wrong), listing it with the scores it refused,
// and sending those again once the cause is fixed in the LMS.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, expect, it } from 'vitest';
import { openSqlite } from '../../sandbox-server/src/store/sqliteDriver.js';
import { migrate } from '../../sandbox-server/src/store/database.js';
import { ProgressStore } from '../../sandbox-server/src/store/progressStore.js';
import { LtiLaunchStore } from '../../sandbox-server/src/store/ltiLaunchStore.js';
import { ScoreOutboxStore } from '../../sandbox-server/src/store/scoreOutboxStore.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-lti-cli-'));
const databaseFile = path.join(dir, 'drydock.sqlite');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function lti(...args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/lti.ts', ...args], { encoding: 'utf8', env: { ...process.env, DRYDOCK_DATABASE_FILE: databaseFile, DATABASE_URL: '' } });
  return { status: run.status, out: run.stdout, err: run.stderr };
}

const REGISTRATION = ['--name', 'Moodle of Example School', '--issuer', 'https://moodle.example', '--client-id', 'abc', '--deployment', '1', '--auth-url', 'https://moodle.example/mod/lti/auth.php', '--token-url', 'https://moodle.example/mod/lti/token.php', '--jwks-url', 'https://moodle.example/mod/lti/certs.php'];

/** A score for the platform's line item that the gradebook refused for good, as the server records it. */
async function refusedScore(platformId: string): Promise<void> {
  const db = openSqlite(databaseFile);
  try {
    await migrate(db);
    const learner = await new ProgressStore(db).createLearner('Ada');
    const launches = new LtiLaunchStore(db);
    await launches.addGradeLink({ learnerId: learner.id, lineItem: 'https://moodle.example/lineitems/7', platformId, userId: 'u7', lessonId: 'sample', classroomId: null });
    const outbox = new ScoreOutboxStore(db);
    await outbox.queueIfChanged((await launches.gradeLinks(learner.id))[0], '1', { userId: 'u7', scoreGiven: 1, scoreMaximum: 6 });
    const [queued] = await outbox.due(Date.now());
    await outbox.markFailed(queued.id, 'the gradebook answered 403 Forbidden: grades for this item are locked');
  } finally {
    await db.close();
  }
}

async function pendingScores(): Promise<number> {
  const db = openSqlite(databaseFile);
  try {
    return (await new ScoreOutboxStore(db).due(Date.now())).length;
  } finally {
    await db.close();
  }
}

it('registers a platform, lists the scores it refused, and sends them again', async () => {
  const missing = lti('register', ...REGISTRATION.slice(0, 4));
  expect(missing.status).toBe(2);
  expect(missing.err).toMatch(/--client-id is missing: the client id the platform gave Drydock/);
  const insecure = lti('register', ...REGISTRATION.map((value) => value.replace('https://moodle.example/mod/lti/auth.php', 'http://moodle.example/auth')));
  expect(insecure.err).toMatch(/--auth-url must use https/);

  const registered = lti('register', ...REGISTRATION);
  expect(registered.status, registered.err).toBe(0);
  const id = /^registered:\n(\S+)\s+Moodle of Example School/.exec(registered.out)![1];

  await refusedScore(id);
  const listed = lti('list');
  expect(listed.out).toContain('1 score(s) not taken, the latest answer: the gradebook answered 403 Forbidden: grades for this item are locked');
  expect(listed.out).toContain(`npm run lti -- send-again ${id}`);

  const unknown = lti('send-again', 'no-such-platform');
  expect(unknown.status).toBe(2);
  expect(unknown.err).toMatch(/no platform no-such-platform: npm run lti -- list shows their ids/);
  expect(await pendingScores()).toBe(0);

  const sent = lti('send-again', id);
  expect(sent.status, sent.err).toBe(0);
  expect(sent.out).toMatch(/^1 score\(s\) queued again; a running Drydock sends them within 30 s\./);
  expect(await pendingScores()).toBe(1);
  expect(lti('list').out).not.toContain('not taken');
  expect(lti('send-again').out).toMatch(/^No score is waiting to be sent again\./);
});
