// Learners (anonymous until they give a name) and their progress: which steps they
// passed, with the server's evidence, and where they are in each lesson.
import crypto from 'node:crypto';
import type { Db } from './database.js';

export interface LessonProgress {
  passed: string[];
  current: number;
  updatedAt?: string;
}

function hash(secret: string): string {
  return crypto.createHash('sha256').update(secret).digest('hex');
}

export class ProgressStore {
  constructor(private readonly db: Db) {}

  /** A new anonymous learner; the credential is `${id}.${secret}` and is shown once. */
  createLearner(name?: string): { id: string; credential: string } {
    const id = crypto.randomBytes(9).toString('base64url');
    const secret = crypto.randomBytes(24).toString('base64url');
    this.db.prepare('INSERT INTO learners (id, secret_hash, name, created_at) VALUES (?, ?, ?, ?)').run(id, hash(secret), name ?? null, new Date().toISOString());
    return { id, credential: `${id}.${secret}` };
  }

  /** The learner a credential proves, if any. */
  learnerFor(credential: string | undefined): string | undefined {
    if (!credential) return undefined;
    const [id, secret] = credential.split('.');
    if (!id || !secret) return undefined;
    const row = this.db.prepare('SELECT secret_hash FROM learners WHERE id = ?').get(id) as { secret_hash: string } | undefined;
    if (!row) return undefined;
    const expected = Buffer.from(row.secret_hash);
    const given = Buffer.from(hash(secret));
    return expected.length === given.length && crypto.timingSafeEqual(expected, given) ? id : undefined;
  }

  recordPassed(learnerId: string, lessonId: string, stepId: string, points: number, maxPoints: number, evidence: unknown): void {
    this.db
      .prepare(
        `INSERT INTO step_progress (learner_id, lesson_id, step_id, passed_at, points, max_points, evidence) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (learner_id, lesson_id, step_id) DO NOTHING`,
      )
      .run(learnerId, lessonId, stepId, new Date().toISOString(), points, maxPoints, JSON.stringify(evidence));
  }

  setCurrentStep(learnerId: string, lessonId: string, step: number): void {
    this.db
      .prepare(
        `INSERT INTO lesson_position (learner_id, lesson_id, current_step, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (learner_id, lesson_id) DO UPDATE SET current_step = excluded.current_step, updated_at = excluded.updated_at`,
      )
      .run(learnerId, lessonId, step, new Date().toISOString());
  }

  progress(learnerId: string): Record<string, LessonProgress> {
    const lessons: Record<string, LessonProgress> = {};
    const entry = (lesson: string) => (lessons[lesson] ??= { passed: [], current: 0 });
    for (const row of this.db.prepare('SELECT lesson_id, step_id FROM step_progress WHERE learner_id = ? ORDER BY passed_at').all(learnerId) as { lesson_id: string; step_id: string }[]) {
      entry(row.lesson_id).passed.push(row.step_id);
    }
    for (const row of this.db.prepare('SELECT lesson_id, current_step, updated_at FROM lesson_position WHERE learner_id = ?').all(learnerId) as { lesson_id: string; current_step: number; updated_at: string }[]) {
      Object.assign(entry(row.lesson_id), { current: row.current_step, updatedAt: row.updated_at });
    }
    return lessons;
  }
}
