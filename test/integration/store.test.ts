// The store on both databases it supports, for real: SQLite files and a PostgreSQL
// server. Migrations from empty and from an older version, concurrent migration,
// learners and progress, classrooms with seats and names, check runs, reopening, and
// a whole server on PostgreSQL.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate, openDatabase, type DatabaseSettings } from '../../sandbox-server/src/store/database.js';
import { MIGRATIONS } from '../../sandbox-server/src/store/migrations.js';
import type { SqlDriver } from '../../sandbox-server/src/store/sqlDriver.js';
import { openSqlite } from '../../sandbox-server/src/store/sqliteDriver.js';
import { openPostgres } from '../../sandbox-server/src/store/postgresDriver.js';
import { hashSecret, ProgressStore } from '../../sandbox-server/src/store/progressStore.js';
import { ClassroomStore, JoinRefused, type CheckRun } from '../../sandbox-server/src/store/classroomStore.js';
import { nameKey } from '../../sandbox-server/src/classrooms/classroomSettings.js';
import type { ClassroomSettings } from '../../sandbox-server/src/classrooms/classroomTypes.js';
import { LtiPlatformStore } from '../../sandbox-server/src/store/ltiPlatformStore.js';
import { LtiLaunchStore, type GradeLink } from '../../sandbox-server/src/store/ltiLaunchStore.js';
import { ScoreOutboxStore } from '../../sandbox-server/src/store/scoreOutboxStore.js';
import { createTestDatabase, dropTestDatabase } from '../support/postgresServer.js';
import { startTestServer } from '../support/testServer.js';

interface Target {
  name: string;
  /** A fresh, empty database: settings for openDatabase, and a raw driver (no migrations). */
  fresh(): Promise<{ settings: DatabaseSettings; raw(): SqlDriver }>;
}

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
});

const targets: Target[] = [
  {
    name: 'SQLite',
    async fresh() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-store-'));
      cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
      const databaseFile = path.join(dir, 'drydock.sqlite');
      return { settings: { databaseFile }, raw: () => openSqlite(databaseFile) };
    },
  },
  {
    name: 'PostgreSQL',
    async fresh() {
      const databaseUrl = await createTestDatabase('drydock_store');
      cleanups.push(() => dropTestDatabase(databaseUrl));
      return { settings: { databaseFile: '', databaseUrl }, raw: () => openPostgres(databaseUrl) };
    },
  },
];

const ALL_VERSIONS = MIGRATIONS.map((migration) => migration.version);

async function recordedVersions(db: SqlDriver): Promise<number[]> {
  return (await db.all<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).map((row) => Number(row.version));
}

/** Distinct times a second apart: check runs are ordered by when they ran. */
const at = (second: number) => new Date(Date.UTC(2030, 0, 1, 9, 0, second)).toISOString();

function roomSettings(overrides: Partial<ClassroomSettings> = {}): ClassroomSettings {
  return {
    name: 'Room',
    lessons: ['sample'],
    exercises: [{ lesson: 'sample', step: 'version', points: 4 }],
    graded: true,
    allowRun: false,
    maxLearners: 2,
    opensAt: new Date(Date.now() - 60_000).toISOString(),
    closesAt: new Date(Date.now() + 3600_000).toISOString(),
    ...overrides,
  };
}

function checkRun(learnerId: string, classroomId: string, second: number, passed: boolean, counted = true): CheckRun {
  return { learnerId, classroomId, lesson: 'sample', step: 'version', passed, points: passed ? 1 : 0, maxPoints: 1, evidence: [{ id: 'ran-version', passed }], ranBy: 'learner', counted, ranAt: at(second) };
}

describe.each(targets)('the store on $name', (target) => {
  it('applies every migration to an empty database, and none the second time', async () => {
    const { raw } = await target.fresh();
    const db = raw();
    expect(await migrate(db)).toBe(MIGRATIONS.length);
    expect(await recordedVersions(db)).toEqual(ALL_VERSIONS);
    expect(await migrate(db)).toBe(0);
    await db.close();

    const again = raw();
    expect(await migrate(again)).toBe(0);
    expect(await recordedVersions(again)).toEqual(ALL_VERSIONS);
    await again.close();
  });

  it('upgrades a database left at version 1 and keeps its data', async () => {
    const { raw } = await target.fresh();
    const old = raw();
    await old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
    await old.exec(MIGRATIONS[0].sql);
    await old.run('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)', [MIGRATIONS[0].version, at(0)]);
    await old.run('INSERT INTO learners (id, secret_hash, name, created_at) VALUES (?, ?, ?, ?)', ['old-learner', hashSecret('old-secret'), null, at(0)]);
    await old.run('INSERT INTO step_progress (learner_id, lesson_id, step_id, passed_at, points, max_points, evidence) VALUES (?, ?, ?, ?, ?, ?, ?)', ['old-learner', 'sample', 'version', at(1), 1, 1, '[]']);
    await old.close();

    const db = raw();
    expect(await migrate(db)).toBe(MIGRATIONS.length - 1);
    expect(await recordedVersions(db)).toEqual(ALL_VERSIONS);
    const progress = new ProgressStore(db);
    expect(await progress.learnerFor('old-learner.old-secret')).toBe('old-learner');
    expect(await progress.progress('old-learner')).toEqual({ sample: { passed: ['version'], helped: [], current: 0 } });
    // The tables of later versions work with the learner from version 1.
    const classrooms = new ClassroomStore(db, progress);
    const { classroom } = await classrooms.create(roomSettings());
    await classrooms.recordRun(checkRun('old-learner', classroom.id, 2, true));
    expect(await classrooms.countedRuns(classroom.id)).toHaveLength(1);
    await db.close();
  });

  it('creates learners, proves their credentials and records their progress', async () => {
    const { settings } = await target.fresh();
    const db = await openDatabase(settings);
    const progress = new ProgressStore(db);
    const learner = await progress.createLearner();
    const other = await progress.createLearner('Named');
    expect(learner.id).not.toBe(other.id);

    expect(await progress.learnerFor(learner.credential)).toBe(learner.id);
    expect(await progress.learnerFor(other.credential)).toBe(other.id);
    const secret = learner.credential.split('.')[1];
    for (const wrong of [`${learner.id}.wrong`, `${other.id}.${secret}`, `unknown.${secret}`]) {
      expect(await progress.learnerFor(wrong), wrong).toBeUndefined();
    }
    for (const malformed of [undefined, '', 'no-dot', `${learner.credential}.extra`, `.${secret}`, `${learner.id}.`, `${'x'.repeat(65)}.${secret}`]) {
      expect(await progress.learnerFor(malformed), String(malformed)).toBeUndefined();
    }

    await progress.recordPassed(learner.id, 'sample', 'version', 1, 1, [{ id: 'first', passed: true }]);
    await progress.recordPassed(learner.id, 'sample', 'version', 0, 1, [{ id: 'second', passed: true }]); // the first pass stays
    await progress.recordPassed(learner.id, 'sample', 'run', 2, 2, []);
    await progress.recordPassed(learner.id, 'other', 'only', 1, 1, []);
    await progress.setCurrentStep(learner.id, 'sample', 1);
    await progress.setCurrentStep(learner.id, 'sample', 2); // moves on, no second row
    await progress.recordHelped(learner.id, 'sample', 'run');
    await progress.recordHelped(learner.id, 'sample', 'run'); // once is enough

    const rows = await db.all<{ points: number; evidence: string }>('SELECT points, evidence FROM step_progress WHERE learner_id = ? AND step_id = ?', [learner.id, 'version']);
    expect(rows.map((row) => [Number(row.points), JSON.parse(row.evidence)[0].id])).toEqual([[1, 'first']]);
    const mine = await progress.progress(learner.id);
    expect(mine.sample).toMatchObject({ current: 2 });
    expect(mine.sample.passed.sort()).toEqual(['run', 'version']);
    expect(mine.sample.updatedAt).toBeTypeOf('string');
    expect(mine.sample.helped).toEqual(['run']);
    expect(mine.other).toEqual({ passed: ['only'], helped: [], current: 0 });
    expect((await progress.helpedSteps([learner.id, 'nobody'])).get(learner.id)).toEqual(new Set(['sample/run']));
    expect(Object.keys(mine).sort()).toEqual(['other', 'sample']);
    expect(await progress.progress(other.id)).toEqual({});
    await db.close();
  });

  it('runs a classroom: seats, names, check runs and broadcasts', async () => {
    const { settings } = await target.fresh();
    const db = await openDatabase(settings);
    const classrooms = new ClassroomStore(db, new ProgressStore(db));

    const { classroom, instructorToken } = await classrooms.create(roomSettings({ maxLearners: 2 }));
    expect(classroom).toMatchObject({ name: 'Room', lessons: ['sample'], graded: true, allowRun: false, maxLearners: 2 });
    expect(classroom.code).toMatch(/^[A-Z2-9]{6}$/);
    expect((await classrooms.byCode(classroom.code.toLowerCase()))?.id).toBe(classroom.id);
    expect(await classrooms.byCode('NOSUCH')).toBeUndefined();
    expect(await classrooms.authorizeInstructor(classroom.id, instructorToken)).toMatchObject({ id: classroom.id, exercises: [{ lesson: 'sample', step: 'version', points: 4 }] });
    expect(await classrooms.authorizeInstructor(classroom.id, 'wrong')).toBeUndefined();

    const ana = await classrooms.join(classroom, 'Ana', nameKey('Ana'));
    const refusal = await classrooms.join(classroom, 'ANA', nameKey('ANA')).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(JoinRefused);
    expect((refusal as JoinRefused).reason).toBe('name-taken');
    const ben = await classrooms.join(classroom, 'Ben', nameKey('Ben'));
    const full = await classrooms.join(classroom, 'Cleo', nameKey('Cleo')).catch((error: unknown) => error);
    expect(full).toBeInstanceOf(JoinRefused);
    expect((full as JoinRefused).reason).toBe('full');
    expect((await classrooms.members(classroom.id)).map((member) => member.name).sort()).toEqual(['Ana', 'Ben']);
    expect(await classrooms.membership(ana.learnerId)).toMatchObject({ name: 'Ana', classroom: { id: classroom.id } });
    expect(await new ProgressStore(db).learnerFor(ben.credential)).toBe(ben.learnerId);

    // The same name in another classroom is fine.
    const { classroom: other } = await classrooms.create(roomSettings({ name: 'Other room' }));
    await classrooms.join(other, 'Ana', nameKey('Ana'));

    await classrooms.recordRun(checkRun(ana.learnerId, classroom.id, 1, false));
    await classrooms.recordRun(checkRun(ana.learnerId, classroom.id, 2, true));
    await classrooms.recordRun(checkRun(ben.learnerId, classroom.id, 3, false));
    await classrooms.recordRun(checkRun(ben.learnerId, classroom.id, 4, true, false)); // outside the window
    const summaries = await classrooms.stepSummaries(classroom.id);
    expect(summaries.sort((a, b) => a.lastRanAt.localeCompare(b.lastRanAt))).toEqual([
      { learnerId: ana.learnerId, lesson: 'sample', step: 'version', tries: 2, passed: true, lastRanAt: at(2) },
      { learnerId: ben.learnerId, lesson: 'sample', step: 'version', tries: 2, passed: true, lastRanAt: at(4) },
    ]);
    const counted = await classrooms.countedRuns(classroom.id);
    expect(counted.map((run) => [run.learnerId, run.passed, run.points, run.ranAt])).toEqual([
      [ana.learnerId, false, 0, at(1)],
      [ana.learnerId, true, 1, at(2)],
      [ben.learnerId, false, 0, at(3)],
    ]);
    expect(counted[1].evidence).toEqual([{ id: 'ran-version', passed: true }]);
    expect(await classrooms.stepSummaries(other.id)).toEqual([]);

    await classrooms.addBroadcast(classroom.id, 'first');
    await new Promise((resolve) => setTimeout(resolve, 5));
    await classrooms.addBroadcast(classroom.id, 'second');
    expect((await classrooms.recentBroadcasts(classroom.id)).map((broadcast) => broadcast.message)).toEqual(['second', 'first']);
    expect(await classrooms.recentBroadcasts(other.id)).toEqual([]);
    await db.close();
  });

  it('keeps learners, progress and classrooms across closing and reopening', async () => {
    const { settings } = await target.fresh();
    const db = await openDatabase(settings);
    const progress = new ProgressStore(db);
    const classrooms = new ClassroomStore(db, progress);
    const learner = await progress.createLearner();
    await progress.recordPassed(learner.id, 'sample', 'version', 1, 1, []);
    await progress.setCurrentStep(learner.id, 'sample', 1);
    const { classroom, instructorToken } = await classrooms.create(roomSettings());
    const ana = await classrooms.join(classroom, 'Ana', nameKey('Ana'));
    await classrooms.recordRun(checkRun(ana.learnerId, classroom.id, 1, true));
    await classrooms.addBroadcast(classroom.id, 'hello room');
    await db.close();

    const reopened = await openDatabase(settings);
    const progressAgain = new ProgressStore(reopened);
    const classroomsAgain = new ClassroomStore(reopened, progressAgain);
    expect(await progressAgain.learnerFor(learner.credential)).toBe(learner.id);
    expect(await progressAgain.progress(learner.id)).toMatchObject({ sample: { passed: ['version'], current: 1 } });
    expect((await classroomsAgain.authorizeInstructor(classroom.id, instructorToken))?.code).toBe(classroom.code);
    expect(await classroomsAgain.membership(ana.learnerId)).toMatchObject({ name: 'Ana', classroom: { id: classroom.id } });
    expect((await classroomsAgain.countedRuns(classroom.id)).map((run) => run.ranAt)).toEqual([at(1)]);
    expect((await classroomsAgain.recentBroadcasts(classroom.id)).map((broadcast) => broadcast.message)).toEqual(['hello room']);
    // A seat taken before the restart still counts.
    await classroomsAgain.join(classroom, 'Ben', nameKey('Ben'));
    await expect(classroomsAgain.join(classroom, 'Cleo', nameKey('Cleo'))).rejects.toThrow(JoinRefused);
    await reopened.close();
  });

  it('gives the last seats to exactly as many learners as there are, however many join at once', async () => {
    const { settings } = await target.fresh();
    const db = await openDatabase(settings);
    const classrooms = new ClassroomStore(db, new ProgressStore(db));
    const { classroom } = await classrooms.create(roomSettings({ name: 'Rush', maxLearners: 5 }));
    const attempts = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => classrooms.join(classroom, `Learner ${i}`, nameKey(`Learner ${i}`))));
    expect(attempts.filter((attempt) => attempt.status === 'fulfilled')).toHaveLength(5);
    for (const attempt of attempts) if (attempt.status === 'rejected') expect((attempt.reason as JoinRefused).reason).toBe('full');
    expect(await classrooms.members(classroom.id)).toHaveLength(5);
    await db.close();
  });
});

describe.each(targets)('LTI on $name', (target) => {
  async function lmsLearner() {
    const { settings } = await target.fresh();
    const db = await openDatabase(settings);
    const platform = await new LtiPlatformStore(db).register({ name: 'LMS', issuer: 'https://lms.example', clientId: 'c', deploymentIds: ['1'], authUrl: 'https://lms.example/auth', tokenUrl: 'https://lms.example/token', jwksUrl: 'https://lms.example/jwks' });
    const progress = new ProgressStore(db);
    const learner = await progress.createLearner('Ada');
    return { db, settings, platform, progress, learner, launches: new LtiLaunchStore(db), outbox: new ScoreOutboxStore(db) };
  }

  it('takes a login state once, however many launches race for it', async () => {
    const { db, platform, launches } = await lmsLearner();
    await launches.addLogin('state-1', { nonce: 'n', platformId: platform.id, targetLinkUri: 'https://drydock.example/lti/launch' }, Date.now() + 60_000);
    await launches.addLogin('state-old', { nonce: 'n', platformId: platform.id, targetLinkUri: '' }, Date.now() - 1);
    const taken = await Promise.all(Array.from({ length: 8 }, () => launches.takeLogin('state-1')));
    expect(taken.filter(Boolean)).toEqual([{ nonce: 'n', platformId: platform.id, targetLinkUri: 'https://drydock.example/lti/launch' }]);
    expect(await launches.takeLogin('state-old')).toBeUndefined();
    expect(await launches.takeLogin('never-made')).toBeUndefined();
    await db.close();
  });

  it('gives a learner more credentials, keeping the last ten beside the first', async () => {
    const { db, progress, learner } = await lmsLearner();
    const extra = [];
    for (let i = 0; i < 12; i++) extra.push(await progress.addCredential(learner.id));
    expect(await progress.learnerFor(learner.credential)).toBe(learner.id);
    expect(await progress.learnerFor(extra.at(-1))).toBe(learner.id);
    const kept = await Promise.all(extra.map((credential) => progress.learnerFor(credential)));
    expect(kept.filter(Boolean)).toHaveLength(10);
    await db.close();
  });

  it('queues a score only when it changed, sends a line item\'s scores in order, and lets one sender claim each', async () => {
    const { db, settings, platform, learner, launches, outbox } = await lmsLearner();
    const link: Omit<GradeLink, 'lastScore'> = { learnerId: learner.id, lineItem: 'https://lms.example/lineitems/1', platformId: platform.id, userId: 'u1', lessonId: 'sample', classroomId: null };
    await launches.addGradeLink(link);
    const [stored] = await launches.gradeLinks(learner.id);
    const score = (given: number) => ({ userId: 'u1', scoreGiven: given, scoreMaximum: 6, activityProgress: 'InProgress', gradingProgress: 'FullyGraded', timestamp: new Date().toISOString() });
    expect(await outbox.queueIfChanged(stored, JSON.stringify({ given: 1 }), score(1))).toBe(true);
    expect(await outbox.queueIfChanged(stored, JSON.stringify({ given: 1 }), score(1))).toBe(false);
    expect(await outbox.queueIfChanged(stored, JSON.stringify({ given: 6 }), score(6))).toBe(true);

    const now = Date.now();
    const due = await outbox.due(now);
    expect(due.map((queued) => queued.score.scoreGiven)).toEqual([1, 6]);
    // The newer score waits behind the older one, which two servers race to claim.
    expect(await outbox.claim(due[1], now, 60_000)).toBe(false);
    // Two servers share PostgreSQL; SQLite has one server (a second connection in this
    // process would wait on the first with the event loop blocked).
    const other = target.name === 'PostgreSQL' ? await openDatabase(settings) : db;
    const claims = await Promise.all([outbox.claim(due[0], now, 60_000), new ScoreOutboxStore(other).claim(due[0], now, 60_000)]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await outbox.due(now)).toEqual([due[1]]);
    await outbox.markRetry(due[0].id, '503 Service Unavailable', now + 5000);
    expect(await outbox.nextDue()).toBe(due[1].nextAttemptAt);
    expect(await outbox.claim(due[1], now, 60_000)).toBe(false);
    await outbox.markSent(due[0].id);
    expect(await outbox.claim(due[1], now, 60_000)).toBe(true);
    await outbox.markFailed(due[1].id, '400 Bad Request');
    expect((await outbox.forLearner(learner.id)).map((queued) => [queued.state, queued.attempts, queued.lastError])).toEqual([
      ['sent', 2, null],
      ['failed', 1, '400 Bad Request'],
    ]);
    expect(await outbox.nextDue()).toBeUndefined();
    if (other !== db) await other.close();
    await db.close();
  });

  it("shows each line item's latest score, and sends again only the latest refused one, within a classroom or a platform", async () => {
    const { db, platform, learner, launches, outbox } = await lmsLearner();
    const { classroom } = await new ClassroomStore(db, new ProgressStore(db)).create(roomSettings());
    const inLesson: Omit<GradeLink, 'lastScore'> = { learnerId: learner.id, lineItem: 'https://lms.example/lineitems/1', platformId: platform.id, userId: 'u1', lessonId: 'sample', classroomId: null };
    const inClassroom = { ...inLesson, lineItem: 'https://lms.example/lineitems/2', lessonId: null, classroomId: classroom.id };
    await launches.addGradeLink(inLesson);
    await launches.addGradeLink(inClassroom);
    const [lessonLink, classroomLink] = ['1', '2'].map((n) => launches.gradeLinks(learner.id).then((links) => links.find((link) => link.lineItem.endsWith(n))!));
    const score = (given: number) => ({ userId: 'u1', scoreGiven: given, scoreMaximum: 6 });
    const refuse = async () => {
      for (const queued of await outbox.due(Date.now())) await outbox.markFailed(queued.id, '403 Forbidden');
    };
    // The lesson's line item: 1 refused, then 2 refused. Only 2 may go again (1 would overwrite it).
    await outbox.queueIfChanged(await lessonLink, '1', score(1));
    await outbox.queueIfChanged(await lessonLink, '2', score(2));
    await outbox.queueIfChanged(await classroomLink, '5', score(5));
    await refuse();
    // What the learner's page and the instructor's grid show: each line item's latest.
    expect((await outbox.latestForLearner(learner.id)).map((queued) => queued.score.scoreGiven)).toEqual([2, 5]);
    expect((await outbox.latestForClassroom(classroom.id)).get(learner.id)?.score.scoreGiven).toBe(5);
    expect((await outbox.notTaken({})).map((queued) => queued.score.scoreGiven)).toEqual([5, 2]);

    expect(await outbox.sendAgain({ classroomId: classroom.id })).toBe(1);
    expect((await outbox.due(Date.now())).map((queued) => [queued.score.scoreGiven, queued.attempts])).toEqual([[5, 0]]);
    expect(await outbox.sendAgain({ platformId: 'another-platform' })).toBe(0);
    expect(await outbox.sendAgain({ platformId: platform.id })).toBe(1);
    expect((await outbox.due(Date.now())).map((queued) => queued.score.scoreGiven)).toEqual([2, 5]);
    expect(await outbox.notTaken({})).toEqual([]);
    expect(await outbox.sendAgain({})).toBe(0);
    await db.close();
  });
});

describe('PostgreSQL shared by several server processes', () => {
  it('lets two servers migrate one database at the same time, each version once', async () => {
    const databaseUrl = await createTestDatabase('drydock_race');
    cleanups.push(() => dropTestDatabase(databaseUrl));
    const first = openPostgres(databaseUrl);
    const second = openPostgres(databaseUrl);
    try {
      const counts = await Promise.all([migrate(first), migrate(second)]);
      expect(counts.sort((a, b) => a - b)).toEqual([0, MIGRATIONS.length]);
      const rows = await first.all<{ version: number; copies: number }>('SELECT version, COUNT(*) AS copies FROM schema_migrations GROUP BY version ORDER BY version');
      expect(rows.map((row) => [Number(row.version), Number(row.copies)])).toEqual(ALL_VERSIONS.map((version) => [version, 1]));
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it('runs a whole server on it', async () => {
    const databaseUrl = await createTestDatabase('drydock_server');
    cleanups.push(() => dropTestDatabase(databaseUrl));
    const server = await startTestServer({ databaseUrl });
    const check = openPostgres(databaseUrl);
    try {
      const response = await fetch(`${server.url}/api/me`);
      expect(response.status).toBe(200);
      const { learnerId } = (await response.json()) as { learnerId: string };
      expect(learnerId).toBeTypeOf('string');
      expect(await check.get('SELECT id FROM learners WHERE id = ?', [learnerId])).toEqual({ id: learnerId });
      // The cookie it set proves the same learner on the next request (read back from PostgreSQL).
      const cookie = response.headers.getSetCookie().map((header) => header.split(';')[0]).join('; ');
      const again = (await (await fetch(`${server.url}/api/me`, { headers: { cookie } })).json()) as { learnerId: string };
      expect(again.learnerId).toBe(learnerId);
      expect(await check.get<{ count: number }>('SELECT COUNT(*) AS count FROM learners')).toEqual({ count: 1 });
    } finally {
      await check.close();
      await server.close();
    }
  });
});
