// Running sessions, written down so a server that is killed and started again finds
// them: the token only as a hash, the lesson and sandbox, times and opened steps.
import type { SqlDriver } from './sqlDriver.js';

export interface SessionRecord {
  id: string;
  tokenHash: string;
  learnerId?: string;
  lessonId?: string;
  sandboxId: string;
  createdAt: number;
  lastActiveAt: number;
  /** When each lesson and step ("lesson/step") was first opened. */
  openedAt: Record<string, number>;
}

/** What the session manager needs to remember sessions across a restart. */
export interface SessionRecords {
  save(record: SessionRecord): Promise<void>;
  touch(id: string, lastActiveAt: number): Promise<void>;
  remove(id: string): Promise<void>;
  all(): Promise<SessionRecord[]>;
}

interface Row {
  id: string;
  token_hash: string;
  learner_id: string | null;
  lesson_id: string | null;
  sandbox_id: string;
  created_at: number;
  last_active_at: number;
  lessons_opened: string;
}

export class SessionStore implements SessionRecords {
  constructor(
    private readonly db: SqlDriver,
    private readonly instance: string,
  ) {}

  async save(record: SessionRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO sandbox_sessions (id, instance, token_hash, learner_id, lesson_id, sandbox_id, created_at, last_active_at, lessons_opened) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET sandbox_id = excluded.sandbox_id, last_active_at = excluded.last_active_at, lessons_opened = excluded.lessons_opened`,
      [record.id, this.instance, record.tokenHash, record.learnerId ?? null, record.lessonId ?? null, record.sandboxId, record.createdAt, record.lastActiveAt, JSON.stringify(record.openedAt)],
    );
  }

  async touch(id: string, lastActiveAt: number): Promise<void> {
    await this.db.run('UPDATE sandbox_sessions SET last_active_at = ? WHERE id = ?', [lastActiveAt, id]);
  }

  async remove(id: string): Promise<void> {
    await this.db.run('DELETE FROM sandbox_sessions WHERE id = ?', [id]);
  }

  async all(): Promise<SessionRecord[]> {
    const rows = await this.db.all<Row>('SELECT * FROM sandbox_sessions WHERE instance = ?', [this.instance]);
    return rows.map((row) => ({
      id: row.id,
      tokenHash: row.token_hash,
      learnerId: row.learner_id ?? undefined,
      lessonId: row.lesson_id ?? undefined,
      sandboxId: row.sandbox_id,
      createdAt: Number(row.created_at),
      lastActiveAt: Number(row.last_active_at),
      openedAt: JSON.parse(row.lessons_opened),
    }));
  }
}
