// The store on both databases it supports, for real: SQLite files and a PostgreSQL
// server. Migrations from empty and from an older version, concurrent migration,
// learners and progress, classrooms with seats and names, check runs, and reopening.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate, openDatabase } from '../../sandbox-server/src/store/database.js';
import { MIGRATIONS } from '../../sandbox-server/src/store/migrations.js';
import type { SqlDriver } from '../../sandbox-server/src/store/sqlDriver.js';
import { openSqlite } from '../../sandbox-server/src/store/sqliteDriver.js';
import { openPostgres } from '../../sandbox-server/src/store/postgresDriver.js';
import { ProgressStore } from '../../sandbox-server/src/store/progressStore.js';
import { ClassroomStore, JoinRefused } from '../../sandbox-server/src/store/classroomStore.js';
import { createTestDatabase, dropTestDatabase } from '../support/postgresServer.js';
import { startTestServer } from '../support/testServer.js';

interface Target {
  name: string;
  /** A fresh empty database, and how to open it (again). */
  fresh(): Promise<{ settings: { databaseFile: string; databaseUrl?: string }; raw(): SqlDriver }>;
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

const LATEST = Math.max(...MIGRATIONS.map((migration) => migration.version));

describe.each(targets)('the store on $name', (target) => {
  it('migrates an empty database to the latest version once', async () => {
    const { settings, raw } = await target.fresh();
    const db = await openDatabase(settings);
    const versions = (await db.all<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).map((row) => Number(row.version));
    expect(versions).toEqual(MIGRATIONS.map((migration) => migration.version));
    expect(await migrate(db)).toBe(0);
    await db.close();
    const again = raw();
    expect(await migrate(again)).toBe(0);
    await again.close();
  });

  it('upgrades a database left at version 1 and keeps its data', async () => {
    const { settings, raw } = await target.fresh();
    const old = raw();
    await old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
    await old.exec(MIGRATIONS[0].sql);
    await old.run('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)', [1, new Date().toISOString()]);
    await old.run('INSERT INTO learners (id, secret_hash, name, created_at) VALUES (?, ?, ?, ?)', ['old-learner', 'x', null, new Date().toISOString()]);
    await old.run('INSERT INTO step_progress (learner_id, lesson_id, step_id, passed_at, points, max_points, evidence) VALUES (?, ?, ?, ?, ?, ?, ?)', ['old-learner', 'sample', 'version', new Date().toISOString(), 1, 1, '[]']);
    await old.close();

    const db = await openDatabase(settings);
    const latest = await db.get<{ version: number }>('SELECT MAX(version) AS version FROM schema_migrations');
    expect(Number(latest?.version)).toBe(LATEST);
    expect((await new ProgressStore(db).progress('old-learner')).sample.passed).toEqual(['version']);
    await db.close();
  });

  it('keeps learners, progress and classrooms across reopening', async () => {
    const { settings } = await target.fresh();
    const db = await openDatabase(settings);
    const progress = new ProgressStore(db);
    const classrooms = new ClassroomStore(db, progress);

    const learner = await progress.createLearner();
    expect(await progress.learnerFor(learner.credential)).toBe(learner.id);
    expect(await progress.learnerFor(`${learner.id}.wrong`)).toBeUndefined();
    expect(await progress.learnerFor('no-dot')).toBeUndefined();
    expect(await progress.learnerFor(`${learner.id}.a.b`)).toBeUndefined();
    await progress.recordPassed(learner.id, 'sample', 'version', 1, 1, [{ id: 'ran-version', passed: true }]);
    await progress.recordPassed(learner.id, 'sample', 'version', 1, 1, []); // the first pass stays
    await progress.setCurrentStep(learner.id, 'sample', 1);

    const { classroom, instructorToken } = await classrooms.create({
      name: 'Room',
      lessons: ['sample'],
      exercises: [{ lesson: 'sample', step: 'version', points: 4 }],
      graded: true,
      allowRun: false,
      maxLearners: 2,
      opensAt: new Date(Date.now() - 1000).toISOString(),
      closesAt: new Date(Date.now() + 3600_000).toISOString(),
    });
    expect(await classrooms.authorizeInstructor(classroom.id, instructorToken)).toMatchObject({ id: classroom.id, graded: true, allowRun: false });
    expect(await classrooms.authorizeInstructor(classroom.id, 'wrong')).toBeUndefined();
    const ana = await classrooms.join(classroom, 'Ana', 'ana');
    await expect(classrooms.join(classroom, 'ANA', 'ana')).rejects.toThrow(JoinRefused);
    await classrooms.join(classroom, 'Ben', 'ben');
    await expect(classrooms.join(classroom, 'Cleo', 'cleo')).rejects.toThrow(/full: 2 of 2/);
    await classrooms.recordRun({ learnerId: ana.learnerId, classroomId: classroom.id, lesson: 'sample', step: 'version', passed: false, points: 0, maxPoints: 1, evidence: [], ranBy: 'learner', counted: true, ranAt: new Date().toISOString() });
    await classrooms.recordRun({ learnerId: ana.learnerId, classroomId: classroom.id, lesson: 'sample', step: 'version', passed: true, points: 1, maxPoints: 1, evidence: [{ id: 'ran-version', passed: true }], ranBy: 'learner', counted: true, ranAt: new Date().toISOString() });
    await classrooms.addBroadcast(classroom.id, 'hello room');
    await db.close();

    const reopened = await openDatabase(settings);
    const progressAgain = new ProgressStore(reopened);
    const classroomsAgain = new ClassroomStore(reopened, progressAgain);
    expect(await progressAgain.progress(learner.id)).toMatchObject({ sample: { passed: ['version'], current: 1 } });
    expect((await classroomsAgain.byCode(classroom.code.toLowerCase()))?.id).toBe(classroom.id);
    expect((await classroomsAgain.members(classroom.id)).map((member) => member.name)).toEqual(['Ana', 'Ben']);
    expect(await classroomsAgain.membership(ana.learnerId)).toMatchObject({ name: 'Ana', classroom: { id: classroom.id } });
    expect(await classroomsAgain.stepSummaries(classroom.id)).toEqual([expect.objectContaining({ learnerId: ana.learnerId, tries: 2, passed: true })]);
    expect((await classroomsAgain.countedRuns(classroom.id)).map((run) => run.passed)).toEqual([false, true]);
    expect(await classroomsAgain.recentBroadcasts(classroom.id)).toEqual([expect.objectContaining({ message: 'hello room' })]);
    await reopened.close();
  });

  it('gives the last seat to exactly one of many learners joining at once', async () => {
    const { settings } = await target.fresh();
    const db = await openDatabase(settings);
    const classrooms = new ClassroomStore(db, new ProgressStore(db));
    const { classroom } = await classrooms.create({ name: 'Rush', lessons: ['sample'], exercises: [], graded: false, allowRun: true, maxLearners: 5, opensAt: new Date().toISOString(), closesAt: new Date(Date.now() + 3600_000).toISOString() });
    const attempts = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => classrooms.join(classroom, `Learner ${i}`, `learner ${i}`)));
    expect(attempts.filter((attempt) => attempt.status === 'fulfilled')).toHaveLength(5);
    expect((await classrooms.members(classroom.id)).length).toBe(5);
    await db.close();
  });
});

describe('PostgreSQL for several server processes', () => {
  it('lets two servers migrate one database at the same time', async () => {
    const databaseUrl = await createTestDatabase('drydock_race');
    cleanups.push(() => dropTestDatabase(databaseUrl));
    const [first, second] = await Promise.all([openDatabase({ databaseFile: '', databaseUrl }), openDatabase({ databaseFile: '', databaseUrl })]);
    const rows = await first.all<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((row) => Number(row.version))).toEqual(MIGRATIONS.map((migration) => migration.version));
    await Promise.all([first.close(), second.close()]);
  });

  it('runs a whole server on it', async () => {
    const databaseUrl = await createTestDatabase('drydock_server');
    cleanups.push(() => dropTestDatabase(databaseUrl));
    const server = await startTestServer({ databaseUrl });
    try {
      const { learnerId } = await (await fetch(`${server.url}/api/me`)).json();
      const created = await fetch(`${server.url}/api/classrooms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'On PostgreSQL', lessons: ['sample'] }) });
      expect(created.status).toBe(201);
      const check = openPostgres(databaseUrl);
      expect(await check.get('SELECT id FROM learners WHERE id = ?', [learnerId])).toEqual({ id: learnerId });
      expect(await check.get<{ name: string }>('SELECT name FROM classrooms')).toEqual({ name: 'On PostgreSQL' });
      await check.close();
    } finally {
      await server.close();
    }
  });
});
