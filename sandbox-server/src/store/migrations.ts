// The schema, one migration at a time. Never edit a migration that has shipped: add one.
// The SQL runs on SQLite and on PostgreSQL alike: TEXT ids and ISO times, INTEGER flags.
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
  {
    version: 2,
    sql: `
      CREATE TABLE classrooms (
        id TEXT PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        instructor_token_hash TEXT NOT NULL,
        lessons TEXT NOT NULL,
        exercises TEXT NOT NULL,
        graded INTEGER NOT NULL,
        allow_run INTEGER NOT NULL,
        max_learners INTEGER NOT NULL,
        opens_at TEXT NOT NULL,
        closes_at TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE TABLE classroom_members (
        classroom_id TEXT NOT NULL REFERENCES classrooms(id) ON DELETE CASCADE,
        learner_id TEXT NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        name_key TEXT NOT NULL,
        joined_at TEXT NOT NULL,
        PRIMARY KEY (classroom_id, learner_id),
        UNIQUE (classroom_id, name_key)
      );
      CREATE UNIQUE INDEX classroom_members_learner ON classroom_members (learner_id);
      CREATE TABLE check_runs (
        id TEXT PRIMARY KEY,
        learner_id TEXT NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
        classroom_id TEXT REFERENCES classrooms(id) ON DELETE CASCADE,
        lesson_id TEXT NOT NULL,
        step_id TEXT NOT NULL,
        passed INTEGER NOT NULL,
        points INTEGER NOT NULL,
        max_points INTEGER NOT NULL,
        evidence TEXT NOT NULL,
        ran_by TEXT NOT NULL,
        counted INTEGER NOT NULL,
        ran_at TEXT NOT NULL
      );
      CREATE INDEX check_runs_classroom ON check_runs (classroom_id, learner_id, lesson_id, step_id);
      CREATE INDEX check_runs_learner ON check_runs (learner_id, ran_at);
      CREATE TABLE broadcasts (
        id TEXT PRIMARY KEY,
        classroom_id TEXT NOT NULL REFERENCES classrooms(id) ON DELETE CASCADE,
        message TEXT NOT NULL,
        sent_at TEXT NOT NULL
      );
      CREATE INDEX broadcasts_classroom ON broadcasts (classroom_id, sent_at);
    `,
  },
  {
    version: 3,
    sql: `
      CREATE TABLE sandbox_sessions (
        id TEXT PRIMARY KEY,
        instance TEXT NOT NULL,
        token_hash TEXT NOT NULL,
        learner_id TEXT,
        sandbox_id TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        last_active_at BIGINT NOT NULL,
        lessons_opened TEXT NOT NULL
      );
      CREATE INDEX sandbox_sessions_instance ON sandbox_sessions (instance);
    `,
  },
  {
    version: 4,
    // Steps a learner had Drydock solve for them (Solve): passed with help, not alone.
    sql: `
      CREATE TABLE step_help (
        learner_id TEXT NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
        lesson_id TEXT NOT NULL,
        step_id TEXT NOT NULL,
        helped_at TEXT NOT NULL,
        PRIMARY KEY (learner_id, lesson_id, step_id)
      );
    `,
  },
  {
    version: 5,
    // A sandbox per lesson: each running session names the lesson it is for.
    sql: `ALTER TABLE sandbox_sessions ADD COLUMN lesson_id TEXT;`,
  },
];
