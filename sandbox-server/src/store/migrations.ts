// The schema, one migration at a time. Never edit a migration that has shipped: add one.
export const MIGRATIONS: { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE learners (
        id TEXT PRIMARY KEY,
        secret_hash TEXT NOT NULL,
        name TEXT,
        created_at TEXT NOT NULL
      );
      CREATE TABLE step_progress (
        learner_id TEXT NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
        lesson_id TEXT NOT NULL,
        step_id TEXT NOT NULL,
        passed_at TEXT NOT NULL,
        points INTEGER NOT NULL,
        max_points INTEGER NOT NULL,
        evidence TEXT NOT NULL,
        PRIMARY KEY (learner_id, lesson_id, step_id)
      );
      CREATE TABLE lesson_position (
        learner_id TEXT NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
        lesson_id TEXT NOT NULL,
        current_step INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (learner_id, lesson_id)
      );
    `,
  },
];
