// Scores on their way to an LMS's gradebook, kept in the database until the platform
// took them: a restart of Drydock or an outage of the platform loses none. A score is
// queued only when it differs from the last one queued for that line item, and each is
// claimed by one sender at a time (several server processes may share PostgreSQL).
import type { SqlDriver } from './sqlDriver.js';
import type { GradeLink } from './ltiLaunchStore.js';
import { randomId } from './progressStore.js';

export type OutboxState = 'pending' | 'sent' | 'failed';

export interface OutboxScore {
  id: string;
  learnerId: string;
  platformId: string;
  lineItem: string;
  classroomId: string | null;
  lessonId: string | null;
  /** The AGS score body, exactly as posted. */
  score: Record<string, unknown>;
  state: OutboxState;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}

interface OutboxRow {
  id: string;
  learner_id: string;
  platform_id: string;
  line_item: string;
  classroom_id: string | null;
  lesson_id: string | null;
  score: string;
  state: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
}

function toScore(row: OutboxRow): OutboxScore {
  return {
    id: row.id,
    learnerId: row.learner_id,
    platformId: row.platform_id,
    lineItem: row.line_item,
    classroomId: row.classroom_id,
    lessonId: row.lesson_id,
    score: JSON.parse(row.score),
    state: row.state as OutboxState,
    attempts: Number(row.attempts),
    nextAttemptAt: Number(row.next_attempt_at),
    lastError: row.last_error,
    createdAt: row.created_at,
    sentAt: row.sent_at,
  };
}

export interface NotTakenScope {
  classroomId?: string;
  platformId?: string;
}

/** The score is its line item's latest: what the gradebook shows, or should, in the end. */
const LATEST =
  'NOT EXISTS (SELECT 1 FROM lti_score_outbox newer WHERE newer.learner_id = lti_score_outbox.learner_id AND newer.line_item = lti_score_outbox.line_item AND newer.id > lti_score_outbox.id)';

/** Failed scores that are their line item's latest, within the scope. */
function notTakenWhere(scope: NotTakenScope): [string, unknown[]] {
  const where = ["state = 'failed'", LATEST];
  const params: unknown[] = [];
  if (scope.classroomId !== undefined) {
    where.push('classroom_id = ?');
    params.push(scope.classroomId);
  }
  if (scope.platformId !== undefined) {
    where.push('platform_id = ?');
    params.push(scope.platformId);
  }
  return [where.join(' AND '), params];
}

let sequence = 0;

/** Ids sort in the order scores were queued: a line item's scores go out in that order. */
function outboxId(): string {
  sequence = (sequence + 1) % 1e6;
  return `${Date.now().toString().padStart(15, '0')}-${String(sequence).padStart(6, '0')}-${randomId(4)}`;
}

export class ScoreOutboxStore {
  constructor(private readonly db: SqlDriver) {}

  /**
   * Queues the score for the link's line item unless it equals the last one queued
   * there (`key` is what makes two scores the same: points and progress, not the time).
   */
  async queueIfChanged(link: GradeLink, key: string, score: Record<string, unknown>): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const row = await tx.get<{ last_score: string | null }>('SELECT last_score FROM lti_grade_links WHERE learner_id = ? AND line_item = ?', [link.learnerId, link.lineItem]);
      if (!row || row.last_score === key) return false;
      await tx.run('UPDATE lti_grade_links SET last_score = ? WHERE learner_id = ? AND line_item = ?', [key, link.learnerId, link.lineItem]);
      await tx.run(
        `INSERT INTO lti_score_outbox (id, learner_id, platform_id, line_item, classroom_id, lesson_id, score, state, attempts, next_attempt_at, claimed_until, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, 0, ?)`,
        [outboxId(), link.learnerId, link.platformId, link.lineItem, link.classroomId, link.lessonId, JSON.stringify(score), Date.now(), new Date().toISOString()],
      );
      return true;
    });
  }

  /** Pending scores that are due and that no other sender holds, oldest first. */
  async due(now: number, limit = 50): Promise<OutboxScore[]> {
    const rows = await this.db.all<OutboxRow>(
      `SELECT * FROM lti_score_outbox WHERE state = 'pending' AND next_attempt_at <= ? AND claimed_until < ? ORDER BY id LIMIT ?`,
      [now, now, limit],
    );
    return rows.map(toScore);
  }

  /** When the next pending score falls due, if any is waiting. */
  async nextDue(): Promise<number | undefined> {
    const row = await this.db.get<{ next_due: number | null }>(`SELECT MIN(next_attempt_at) AS next_due FROM lti_score_outbox WHERE state = 'pending'`);
    return row?.next_due === null || row?.next_due === undefined ? undefined : Number(row.next_due);
  }

  /** Takes a score to send; false when another sender has it or it waits behind an older one. */
  async claim(score: OutboxScore, now: number, leaseMs: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      // The line item's older scores go first: a newer one never overtakes them.
      const older = await tx.get(`SELECT id FROM lti_score_outbox WHERE state = 'pending' AND learner_id = ? AND line_item = ? AND id < ?`, [score.learnerId, score.lineItem, score.id]);
      if (older) return false;
      const { changes } = await tx.run(`UPDATE lti_score_outbox SET claimed_until = ? WHERE id = ? AND state = 'pending' AND claimed_until < ?`, [now + leaseMs, score.id, now]);
      return changes === 1;
    });
  }

  async markSent(id: string): Promise<void> {
    await this.db.run(`UPDATE lti_score_outbox SET state = 'sent', attempts = attempts + 1, sent_at = ?, last_error = NULL, claimed_until = 0 WHERE id = ?`, [new Date().toISOString(), id]);
  }

  async markRetry(id: string, error: string, nextAttemptAt: number): Promise<void> {
    await this.db.run(`UPDATE lti_score_outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, claimed_until = 0 WHERE id = ?`, [error, nextAttemptAt, id]);
  }

  async markFailed(id: string, error: string): Promise<void> {
    await this.db.run(`UPDATE lti_score_outbox SET state = 'failed', attempts = attempts + 1, last_error = ?, claimed_until = 0 WHERE id = ?`, [error, id]);
  }

  /**
   * Queues again the scores a platform did not take, once whatever refused them is
   * fixed (a locked column, a registration without the score service). Only a line
   * item's latest score goes again: an older one would overwrite what came after it.
   */
  async sendAgain(scope: NotTakenScope): Promise<number> {
    const [where, params] = notTakenWhere(scope);
    const { changes } = await this.db.run(`UPDATE lti_score_outbox SET state = 'pending', attempts = 0, next_attempt_at = ?, claimed_until = 0 WHERE ${where}`, [Date.now(), ...params]);
    return changes;
  }

  /** The scores sendAgain would queue, newest first (for the operator's list). */
  async notTaken(scope: NotTakenScope): Promise<OutboxScore[]> {
    const [where, params] = notTakenWhere(scope);
    return (await this.db.all<OutboxRow>(`SELECT * FROM lti_score_outbox WHERE ${where} ORDER BY id DESC`, params)).map(toScore);
  }

  /** Each of the classroom's learners' latest score, for the instructor's grid. */
  async latestForClassroom(classroomId: string): Promise<Map<string, OutboxScore>> {
    const rows = await this.db.all<OutboxRow>(`SELECT * FROM lti_score_outbox WHERE classroom_id = ? AND ${LATEST} ORDER BY id`, [classroomId]);
    return new Map(rows.map((row) => [row.learner_id, toScore(row)]));
  }

  /** The latest score of each line item the learner has, for their page. */
  async latestForLearner(learnerId: string): Promise<OutboxScore[]> {
    return (await this.db.all<OutboxRow>(`SELECT * FROM lti_score_outbox WHERE learner_id = ? AND ${LATEST} ORDER BY id`, [learnerId])).map(toScore);
  }

  /** Every score queued for the learner, oldest first: what each gradebook was told. */
  async forLearner(learnerId: string): Promise<OutboxScore[]> {
    return (await this.db.all<OutboxRow>('SELECT * FROM lti_score_outbox WHERE learner_id = ? ORDER BY id', [learnerId])).map(toScore);
  }
}
