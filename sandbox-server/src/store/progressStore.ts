// Learners (anonymous until they join a classroom with a name) and their progress:
// which steps they passed, with the server's evidence, and where they are in each lesson.
import crypto from 'node:crypto';
import type { SqlDriver } from './sqlDriver.js';

export interface LessonProgress {
  passed: string[];
  /** Steps Drydock solved for the learner (Solve): passed with help once their checks pass. */
  helped: string[];
  current: number;
  updatedAt?: string;
}

export function hashSecret(secret: string): string {
  return crypto.createHash('sha256').update(secret).digest('hex');
}

/** Constant-time comparison of a stored hash with the hash of a presented secret. */
export function secretMatches(storedHash: string, secret: string): boolean {
  const expected = Buffer.from(storedHash);
  const given = Buffer.from(hashSecret(secret));
  return expected.length === given.length && crypto.timingSafeEqual(expected, given);
}

export function randomId(bytes = 9): string {
  return crypto.randomBytes(bytes).toString('base64url');
}

/** Credentials a learner keeps beside their first: browsers they signed in from lately. */
const KEPT_CREDENTIALS = 10;

export class ProgressStore {
  constructor(private readonly db: SqlDriver) {}

  /** A new learner; the credential is `${id}.${secret}` and is shown once. */
  async createLearner(name?: string, db: SqlDriver = this.db): Promise<{ id: string; credential: string }> {
    const id = randomId();
    const secret = randomId(24);
    await db.run('INSERT INTO learners (id, secret_hash, name, created_at) VALUES (?, ?, ?, ?)', [id, hashSecret(secret), name ?? null, new Date().toISOString()]);
    return { id, credential: `${id}.${secret}` };
  }

  /** A new learner and, in the same transaction, what else must be true of them (an LMS account). */
  async createLearnerWith(name: string, then: (tx: SqlDriver, learner: { id: string; credential: string }) => Promise<void>): Promise<{ id: string; credential: string }> {
    return this.db.transaction(async (tx) => {
      const learner = await this.createLearner(name, tx);
      await then(tx, learner);
      return learner;
    });
  }

  /** The learner a credential proves, if any. */
  async learnerFor(credential: string | undefined): Promise<string | undefined> {
    if (!credential) return undefined;
    const [id, secret, extra] = credential.split('.');
    if (!id || !secret || extra !== undefined || id.length > 64) return undefined;
    const row = await this.db.get<{ secret_hash: string }>('SELECT secret_hash FROM learners WHERE id = ?', [id]);
    if (!row) return undefined;
    if (secretMatches(row.secret_hash, secret)) return id;
    // Looked up by hash: a random 24-byte secret's hash gives nothing away.
    return (await this.db.get('SELECT learner_id FROM learner_credentials WHERE learner_id = ? AND secret_hash = ?', [id, hashSecret(secret)])) ? id : undefined;
  }

  /** One more credential for a known learner (signed in again from an LMS, in another
   * browser); the oldest go beyond the last few. */
  async addCredential(learnerId: string): Promise<string> {
    const secret = randomId(24);
    await this.db.run('INSERT INTO learner_credentials (learner_id, secret_hash, created_at) VALUES (?, ?, ?)', [learnerId, hashSecret(secret), new Date().toISOString()]);
    await this.db.run(
      `DELETE FROM learner_credentials WHERE learner_id = ? AND secret_hash NOT IN
       (SELECT secret_hash FROM learner_credentials WHERE learner_id = ? ORDER BY created_at DESC LIMIT ${KEPT_CREDENTIALS})`,
      [learnerId, learnerId],
    );
    return `${learnerId}.${secret}`;
  }

  async learnerName(learnerId: string): Promise<string | undefined> {
    return (await this.db.get<{ name: string | null }>('SELECT name FROM learners WHERE id = ?', [learnerId]))?.name ?? undefined;
  }

  async recordPassed(learnerId: string, lessonId: string, stepId: string, points: number, maxPoints: number, evidence: unknown): Promise<void> {
    await this.db.run(
      `INSERT INTO step_progress (learner_id, lesson_id, step_id, passed_at, points, max_points, evidence) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (learner_id, lesson_id, step_id) DO NOTHING`,
      [learnerId, lessonId, stepId, new Date().toISOString(), points, maxPoints, JSON.stringify(evidence)],
    );
  }

  async recordHelped(learnerId: string, lessonId: string, stepId: string): Promise<void> {
    await this.db.run(
      `INSERT INTO step_help (learner_id, lesson_id, step_id, helped_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (learner_id, lesson_id, step_id) DO NOTHING`,
      [learnerId, lessonId, stepId, new Date().toISOString()],
    );
  }

  /** "lesson/step" keys of the steps each of these learners was helped with. */
  async helpedSteps(learnerIds: string[]): Promise<Map<string, Set<string>>> {
    const helped = new Map<string, Set<string>>();
    if (learnerIds.length === 0) return helped;
    const rows = await this.db.all<{ learner_id: string; lesson_id: string; step_id: string }>(
      `SELECT learner_id, lesson_id, step_id FROM step_help WHERE learner_id IN (${learnerIds.map(() => '?').join(', ')})`,
      learnerIds,
    );
    for (const row of rows) {
      if (!helped.has(row.learner_id)) helped.set(row.learner_id, new Set());
      helped.get(row.learner_id)!.add(`${row.lesson_id}/${row.step_id}`);
    }
    return helped;
  }

  async setCurrentStep(learnerId: string, lessonId: string, step: number): Promise<void> {
    await this.db.run(
      `INSERT INTO lesson_position (learner_id, lesson_id, current_step, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (learner_id, lesson_id) DO UPDATE SET current_step = excluded.current_step, updated_at = excluded.updated_at`,
      [learnerId, lessonId, step, new Date().toISOString()],
    );
  }

  async progress(learnerId: string): Promise<Record<string, LessonProgress>> {
    const lessons: Record<string, LessonProgress> = {};
    const entry = (lesson: string) => (lessons[lesson] ??= { passed: [], helped: [], current: 0 });
    for (const row of await this.db.all<{ lesson_id: string; step_id: string }>('SELECT lesson_id, step_id FROM step_progress WHERE learner_id = ? ORDER BY passed_at', [learnerId])) {
      entry(row.lesson_id).passed.push(row.step_id);
    }
    for (const row of await this.db.all<{ lesson_id: string; step_id: string }>('SELECT lesson_id, step_id FROM step_help WHERE learner_id = ? ORDER BY helped_at', [learnerId])) {
      entry(row.lesson_id).helped.push(row.step_id);
    }
    const positions = await this.db.all<{ lesson_id: string; current_step: number; updated_at: string }>(
      'SELECT lesson_id, current_step, updated_at FROM lesson_position WHERE learner_id = ?',
      [learnerId],
    );
    for (const row of positions) Object.assign(entry(row.lesson_id), { current: Number(row.current_step), updatedAt: row.updated_at });
    return lessons;
  }
}
