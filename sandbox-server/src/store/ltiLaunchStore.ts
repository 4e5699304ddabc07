// What LTI launches leave behind: logins under way (state and nonce, single use),
// platform users as Drydock learners, the classroom each course uses, and the line
// items a learner's score is passed back to.
import type { SqlDriver } from './sqlDriver.js';
import { hashSecret } from './progressStore.js';

export interface PendingLogin {
  nonce: string;
  platformId: string;
  targetLinkUri: string;
}

export interface GradeLink {
  learnerId: string;
  lineItem: string;
  platformId: string;
  /** The platform's id for the user (the launch's sub), as the score's userId. */
  userId: string;
  lessonId: string | null;
  classroomId: string | null;
  /** The last score queued for this line item, as JSON, so an unchanged score is not sent again. */
  lastScore: string | null;
}

export interface CourseClassroom {
  classroomId: string;
  platformId: string;
  contextId: string;
  contextTitle: string | null;
}

export class LtiLaunchStore {
  constructor(private readonly db: SqlDriver) {}

  async addLogin(state: string, login: PendingLogin, expiresAt: number): Promise<void> {
    // Logins never finished (the learner closed the tab) go as new ones come.
    await this.db.run('DELETE FROM lti_logins WHERE expires_at < ?', [Date.now()]);
    await this.db.run('INSERT INTO lti_logins (state_hash, nonce, platform_id, target_link_uri, expires_at) VALUES (?, ?, ?, ?, ?)', [
      hashSecret(state),
      login.nonce,
      login.platformId,
      login.targetLinkUri,
      expiresAt,
    ]);
  }

  /** The login this state began, taken once: a second use of the state finds nothing. */
  async takeLogin(state: string): Promise<PendingLogin | undefined> {
    return this.db.transaction(async (tx) => {
      const row = await tx.get<{ nonce: string; platform_id: string; target_link_uri: string; expires_at: number }>('SELECT * FROM lti_logins WHERE state_hash = ?', [hashSecret(state)]);
      if (!row) return undefined;
      const { changes } = await tx.run('DELETE FROM lti_logins WHERE state_hash = ?', [hashSecret(state)]);
      if (changes !== 1 || Number(row.expires_at) < Date.now()) return undefined;
      return { nonce: row.nonce, platformId: row.platform_id, targetLinkUri: row.target_link_uri };
    });
  }

  /** The learner a platform user is in Drydock (per classroom: '' outside classrooms). */
  async accountLearner(platformId: string, subject: string, classroomId: string): Promise<string | undefined> {
    const row = await this.db.get<{ learner_id: string }>('SELECT learner_id FROM lti_accounts WHERE platform_id = ? AND subject = ? AND classroom_id = ?', [platformId, subject, classroomId]);
    return row?.learner_id;
  }

  async addAccount(platformId: string, subject: string, classroomId: string, learnerId: string, email: string | undefined, db: SqlDriver = this.db): Promise<void> {
    await db.run('INSERT INTO lti_accounts (platform_id, subject, classroom_id, learner_id, email, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
      platformId,
      subject,
      classroomId,
      learnerId,
      email ?? null,
      new Date().toISOString(),
    ]);
  }

  /** The platform a learner came from, when an LMS launch made them. */
  async platformOf(learnerId: string): Promise<string | undefined> {
    const row = await this.db.get<{ name: string }>('SELECT p.name FROM lti_accounts a JOIN lti_platforms p ON p.id = a.platform_id WHERE a.learner_id = ?', [learnerId]);
    return row?.name;
  }

  /** The learner's name and email follow what the platform sends at each launch. */
  async updateAccount(learnerId: string, name: string | undefined, email: string | undefined): Promise<void> {
    if (name) await this.db.run('UPDATE learners SET name = ? WHERE id = ?', [name, learnerId]);
    if (email) await this.db.run('UPDATE lti_accounts SET email = ? WHERE learner_id = ?', [email, learnerId]);
  }

  async bindCourse(binding: CourseClassroom): Promise<void> {
    await this.db.run('INSERT INTO lti_course_classrooms (classroom_id, platform_id, context_id, context_title) VALUES (?, ?, ?, ?)', [
      binding.classroomId,
      binding.platformId,
      binding.contextId,
      binding.contextTitle,
    ]);
  }

  async courseOf(classroomId: string): Promise<CourseClassroom | undefined> {
    const row = await this.db.get<{ classroom_id: string; platform_id: string; context_id: string; context_title: string | null }>('SELECT * FROM lti_course_classrooms WHERE classroom_id = ?', [classroomId]);
    return row && { classroomId: row.classroom_id, platformId: row.platform_id, contextId: row.context_id, contextTitle: row.context_title };
  }

  /** The classrooms a course (platform + context) uses, newest first. */
  async courseClassrooms(platformId: string, contextId: string): Promise<string[]> {
    const rows = await this.db.all<{ classroom_id: string }>(
      `SELECT b.classroom_id FROM lti_course_classrooms b JOIN classrooms c ON c.id = b.classroom_id
       WHERE b.platform_id = ? AND b.context_id = ? ORDER BY c.created_at DESC`,
      [platformId, contextId],
    );
    return rows.map((row) => row.classroom_id);
  }

  /** Remembers where a learner's score goes; a relaunch of the same link keeps what was sent. */
  async addGradeLink(link: Omit<GradeLink, 'lastScore'>): Promise<void> {
    await this.db.run(
      `INSERT INTO lti_grade_links (learner_id, line_item, platform_id, user_id, lesson_id, classroom_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (learner_id, line_item) DO UPDATE SET lesson_id = excluded.lesson_id, classroom_id = excluded.classroom_id`,
      [link.learnerId, link.lineItem, link.platformId, link.userId, link.lessonId, link.classroomId, new Date().toISOString()],
    );
  }

  async gradeLinks(learnerId: string): Promise<GradeLink[]> {
    const rows = await this.db.all<{ learner_id: string; line_item: string; platform_id: string; user_id: string; lesson_id: string | null; classroom_id: string | null; last_score: string | null }>(
      'SELECT * FROM lti_grade_links WHERE learner_id = ? ORDER BY created_at',
      [learnerId],
    );
    return rows.map((row) => ({
      learnerId: row.learner_id,
      lineItem: row.line_item,
      platformId: row.platform_id,
      userId: row.user_id,
      lessonId: row.lesson_id,
      classroomId: row.classroom_id,
      lastScore: row.last_score,
    }));
  }
}
