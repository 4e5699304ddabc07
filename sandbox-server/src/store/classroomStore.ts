// Classrooms, their members, every check run the server made for a learner, and the
// instructor's broadcasts. Seats and names are enforced inside one transaction, so two
// learners joining at the same instant cannot both take the last seat or one name.
import crypto from 'node:crypto';
import type { Classroom, ClassroomSettings } from '../classrooms/classroomTypes.js';
import { isUniqueViolation, type SqlDriver } from './sqlDriver.js';
import { hashSecret, randomId, secretMatches, type ProgressStore } from './progressStore.js';

export interface Member {
  learnerId: string;
  name: string;
  joinedAt: string;
}

export interface CheckRun {
  learnerId: string;
  classroomId?: string;
  lesson: string;
  step: string;
  passed: boolean;
  points: number;
  maxPoints: number;
  evidence: unknown;
  /** Who asked: the learner (Check), their instructor, or live checks as the learner worked. */
  ranBy: 'learner' | 'instructor' | 'live';
  /** Inside the classroom's open window, so it may count for a grade. */
  counted: boolean;
  ranAt: string;
}

/** Per learner and step: how the runs went (for the live grid). */
export interface StepSummary {
  learnerId: string;
  lesson: string;
  step: string;
  tries: number;
  passed: boolean;
  lastRanAt: string;
}

export interface Broadcast {
  message: string;
  sentAt: string;
}

export class JoinRefused extends Error {
  constructor(
    readonly reason: 'name-taken' | 'full',
    message: string,
  ) {
    super(message);
  }
}

let runSequence = 0;

/** Run ids sort in the order this process recorded them, so runs in one millisecond keep their order. */
function runId(): string {
  runSequence += 1;
  return `${String(runSequence).padStart(10, '0')}-${randomId(6)}`;
}

// No 0/O or 1/I/L: codes are read aloud and typed from a projector.
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 6;

function newCode(): string {
  let code = '';
  for (const byte of crypto.randomBytes(CODE_LENGTH)) code += CODE_ALPHABET[byte % CODE_ALPHABET.length];
  return code;
}

interface ClassroomRow {
  id: string;
  code: string;
  name: string;
  instructor_token_hash: string;
  lessons: string;
  exercises: string;
  graded: number;
  allow_run: number;
  max_learners: number;
  opens_at: string;
  closes_at: string;
  created_at: string;
}

function toClassroom(row: ClassroomRow): Classroom {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    lessons: JSON.parse(row.lessons),
    exercises: JSON.parse(row.exercises),
    graded: Number(row.graded) === 1,
    allowRun: Number(row.allow_run) === 1,
    maxLearners: Number(row.max_learners),
    opensAt: row.opens_at,
    closesAt: row.closes_at,
    createdAt: row.created_at,
  };
}

export class ClassroomStore {
  constructor(
    private readonly db: SqlDriver,
    private readonly learners: ProgressStore,
  ) {}

  async create(settings: ClassroomSettings): Promise<{ classroom: Classroom; instructorToken: string }> {
    const instructorToken = randomId(24);
    for (let attempt = 0; ; attempt += 1) {
      const id = randomId();
      const code = newCode();
      try {
        await this.db.run(
          `INSERT INTO classrooms (id, code, name, instructor_token_hash, lessons, exercises, graded, allow_run, max_learners, opens_at, closes_at, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [id, code, settings.name, hashSecret(instructorToken), JSON.stringify(settings.lessons), JSON.stringify(settings.exercises), settings.graded, settings.allowRun, settings.maxLearners, settings.opensAt, settings.closesAt, new Date().toISOString()],
        );
        return { classroom: (await this.byId(id))!, instructorToken };
      } catch (error) {
        // A code already in use: draw another (31^6 codes make this rare).
        if (!isUniqueViolation(error) || attempt >= 5) throw error;
      }
    }
  }

  async update(id: string, settings: ClassroomSettings): Promise<Classroom> {
    await this.db.run(
      `UPDATE classrooms SET name = ?, lessons = ?, exercises = ?, graded = ?, allow_run = ?, max_learners = ?, opens_at = ?, closes_at = ? WHERE id = ?`,
      [settings.name, JSON.stringify(settings.lessons), JSON.stringify(settings.exercises), settings.graded, settings.allowRun, settings.maxLearners, settings.opensAt, settings.closesAt, id],
    );
    return (await this.byId(id))!;
  }

  async byId(id: string): Promise<Classroom | undefined> {
    const row = await this.db.get<ClassroomRow>('SELECT * FROM classrooms WHERE id = ?', [id]);
    return row && toClassroom(row);
  }

  async byCode(code: string): Promise<Classroom | undefined> {
    const row = await this.db.get<ClassroomRow>('SELECT * FROM classrooms WHERE code = ?', [code.toUpperCase()]);
    return row && toClassroom(row);
  }

  /** The classroom, if the token is its instructor's. */
  async authorizeInstructor(id: string, token: string): Promise<Classroom | undefined> {
    const row = await this.db.get<ClassroomRow>('SELECT * FROM classrooms WHERE id = ?', [id]);
    if (!row) return undefined;
    if (secretMatches(row.instructor_token_hash, token)) return toClassroom(row);
    // The other tokens are looked up by hash: a random 24-byte token's hash gives nothing away.
    const other = await this.db.get('SELECT holder FROM classroom_instructor_tokens WHERE classroom_id = ? AND token_hash = ?', [id, hashSecret(token)]);
    return other ? toClassroom(row) : undefined;
  }

  /** A new learner with a seat and a name in the classroom, or JoinRefused. */
  async join(classroom: Classroom, name: string, nameKey: string): Promise<{ learnerId: string; credential: string }> {
    return this.enrol(classroom, name, nameKey, async (_tx, learner) => ({ learnerId: learner.id, credential: learner.credential }));
  }

  /** A new learner seated in the classroom; `then` runs in the same transaction (an LMS
   * launch records whose learner it is), so a refused seat leaves nothing behind. */
  async enrol<T>(classroom: Classroom, name: string, nameKey: string, then: (tx: SqlDriver, learner: { id: string; credential: string }) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) => {
      await this.checkSeat(tx, classroom, name, nameKey);
      const learner = await this.learners.createLearner(name, tx);
      await this.addMember(tx, classroom, learner.id, name, nameKey);
      return then(tx, learner);
    });
  }

  private async checkSeat(tx: SqlDriver, classroom: Classroom, name: string, nameKey: string): Promise<void> {
    // Lock the classroom's row, so concurrent joins count seats one after another.
    if (tx.dialect === 'postgres') await tx.get('SELECT id FROM classrooms WHERE id = ? FOR UPDATE', [classroom.id]);
    const taken = await tx.get('SELECT learner_id FROM classroom_members WHERE classroom_id = ? AND name_key = ?', [classroom.id, nameKey]);
    if (taken) throw new JoinRefused('name-taken', `the name "${name}" is already taken in this classroom; add an initial or a surname`);
    const seats = await tx.get<{ count: number }>('SELECT COUNT(*) AS count FROM classroom_members WHERE classroom_id = ?', [classroom.id]);
    if (Number(seats?.count ?? 0) >= classroom.maxLearners) {
      throw new JoinRefused('full', `the classroom "${classroom.name}" is full: ${classroom.maxLearners} of ${classroom.maxLearners} seats are taken. Ask your instructor.`);
    }
  }

  private async addMember(tx: SqlDriver, classroom: Classroom, learnerId: string, name: string, nameKey: string): Promise<void> {
    try {
      await tx.run('INSERT INTO classroom_members (classroom_id, learner_id, name, name_key, joined_at) VALUES (?, ?, ?, ?, ?)', [classroom.id, learnerId, name, nameKey, new Date().toISOString()]);
    } catch (error) {
      if (isUniqueViolation(error)) throw new JoinRefused('name-taken', `the name "${name}" is already taken in this classroom; add an initial or a surname`);
      throw error;
    }
  }

  /**
   * Another instructor's token for the classroom (an LMS's teacher, say), beside the one
   * made with it; a holder's new token replaces their old one.
   */
  async addInstructorToken(classroomId: string, holder: string): Promise<string> {
    const token = randomId(24);
    await this.db.run(
      `INSERT INTO classroom_instructor_tokens (classroom_id, holder, token_hash, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (classroom_id, holder) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at`,
      [classroomId, holder, hashSecret(token), new Date().toISOString()],
    );
    return token;
  }

  /** The classroom a learner joined, with their display name. */
  async membership(learnerId: string): Promise<{ classroom: Classroom; name: string } | undefined> {
    const row = await this.db.get<ClassroomRow & { member_name: string }>(
      'SELECT c.*, m.name AS member_name FROM classroom_members m JOIN classrooms c ON c.id = m.classroom_id WHERE m.learner_id = ?',
      [learnerId],
    );
    return row && { classroom: toClassroom(row), name: row.member_name };
  }

  async members(classroomId: string): Promise<Member[]> {
    const rows = await this.db.all<{ learner_id: string; name: string; joined_at: string }>(
      'SELECT learner_id, name, joined_at FROM classroom_members WHERE classroom_id = ? ORDER BY joined_at, name',
      [classroomId],
    );
    return rows.map((row) => ({ learnerId: row.learner_id, name: row.name, joinedAt: row.joined_at }));
  }

  async recordRun(run: CheckRun): Promise<void> {
    await this.db.run(
      `INSERT INTO check_runs (id, learner_id, classroom_id, lesson_id, step_id, passed, points, max_points, evidence, ran_by, counted, ran_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [runId(), run.learnerId, run.classroomId ?? null, run.lesson, run.step, run.passed, run.points, run.maxPoints, JSON.stringify(run.evidence), run.ranBy, run.counted, run.ranAt],
    );
  }

  /** Per learner and step of the classroom: tries (the runs someone asked for: live
   * checks are not tries), passed at least once, last run. */
  async stepSummaries(classroomId: string): Promise<StepSummary[]> {
    const rows = await this.db.all<{ learner_id: string; lesson_id: string; step_id: string; tries: number; passed: number; last_ran_at: string }>(
      `SELECT learner_id, lesson_id, step_id, SUM(CASE WHEN ran_by = 'live' THEN 0 ELSE 1 END) AS tries, MAX(passed) AS passed, MAX(ran_at) AS last_ran_at
       FROM check_runs WHERE classroom_id = ? GROUP BY learner_id, lesson_id, step_id`,
      [classroomId],
    );
    return rows.map((row) => ({ learnerId: row.learner_id, lesson: row.lesson_id, step: row.step_id, tries: Number(row.tries), passed: Number(row.passed) === 1, lastRanAt: row.last_ran_at }));
  }

  /** The runs that may count for a grade (inside the window), oldest first; one learner's only when named. */
  async countedRuns(classroomId: string, learnerId?: string): Promise<CheckRun[]> {
    const rows = await this.db.all<{ learner_id: string; lesson_id: string; step_id: string; passed: number; points: number; max_points: number; evidence: string; ran_by: string; ran_at: string }>(
      `SELECT learner_id, lesson_id, step_id, passed, points, max_points, evidence, ran_by, ran_at FROM check_runs
       WHERE classroom_id = ? AND counted = 1${learnerId ? ' AND learner_id = ?' : ''} ORDER BY ran_at, id`,
      learnerId ? [classroomId, learnerId] : [classroomId],
    );
    return rows.map((row) => ({
      learnerId: row.learner_id,
      classroomId,
      lesson: row.lesson_id,
      step: row.step_id,
      passed: Number(row.passed) === 1,
      points: Number(row.points),
      maxPoints: Number(row.max_points),
      evidence: JSON.parse(row.evidence),
      ranBy: row.ran_by as CheckRun['ranBy'],
      counted: true,
      ranAt: row.ran_at,
    }));
  }

  async addBroadcast(classroomId: string, message: string): Promise<Broadcast> {
    const sentAt = new Date().toISOString();
    await this.db.run('INSERT INTO broadcasts (id, classroom_id, message, sent_at) VALUES (?, ?, ?, ?)', [randomId(12), classroomId, message, sentAt]);
    return { message, sentAt };
  }

  async recentBroadcasts(classroomId: string, limit = 5): Promise<Broadcast[]> {
    const rows = await this.db.all<{ message: string; sent_at: string }>('SELECT message, sent_at FROM broadcasts WHERE classroom_id = ? ORDER BY sent_at DESC LIMIT ?', [classroomId, limit]);
    return rows.map((row) => ({ message: row.message, sentAt: row.sent_at }));
  }
}
