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
  {
    version: 6,
    // LTI 1.3: the platforms (LMSs) an operator registered, Drydock's own signing keys,
    // logins under way, platform users as learners, courses' classrooms, the line items
    // a learner's score goes to, and the durable outbox of scores on their way.
    // More credentials of a learner (one per browser an LMS launched them in) and more
    // instructor tokens of a classroom (an LMS's teachers) sit beside the first ones.
    sql: `
      CREATE TABLE lti_platforms (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        issuer TEXT NOT NULL,
        client_id TEXT NOT NULL,
        deployment_ids TEXT NOT NULL,
        auth_url TEXT NOT NULL,
        token_url TEXT NOT NULL,
        jwks_url TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (issuer, client_id)
      );
      CREATE TABLE lti_tool_keys (
        kid TEXT PRIMARY KEY,
        private_jwk TEXT NOT NULL,
        public_jwk TEXT NOT NULL,
        created_at TEXT NOT NULL,
        retired_at TEXT
      );
      CREATE TABLE lti_logins (
        state_hash TEXT PRIMARY KEY,
        nonce TEXT NOT NULL,
        platform_id TEXT NOT NULL REFERENCES lti_platforms(id) ON DELETE CASCADE,
        target_link_uri TEXT NOT NULL,
        expires_at BIGINT NOT NULL
      );
      CREATE INDEX lti_logins_expiry ON lti_logins (expires_at);
      CREATE TABLE lti_accounts (
        platform_id TEXT NOT NULL REFERENCES lti_platforms(id) ON DELETE CASCADE,
        subject TEXT NOT NULL,
        classroom_id TEXT NOT NULL,
        learner_id TEXT NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
        email TEXT,
        created_at TEXT NOT NULL,
        PRIMARY KEY (platform_id, subject, classroom_id)
      );
      CREATE TABLE lti_course_classrooms (
        classroom_id TEXT PRIMARY KEY REFERENCES classrooms(id) ON DELETE CASCADE,
        platform_id TEXT NOT NULL REFERENCES lti_platforms(id) ON DELETE CASCADE,
        context_id TEXT NOT NULL,
        context_title TEXT
      );
      CREATE INDEX lti_course_classrooms_context ON lti_course_classrooms (platform_id, context_id);
      CREATE TABLE learner_credentials (
        learner_id TEXT NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
        secret_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (learner_id, secret_hash)
      );
      CREATE TABLE classroom_instructor_tokens (
        classroom_id TEXT NOT NULL REFERENCES classrooms(id) ON DELETE CASCADE,
        holder TEXT NOT NULL,
        token_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (classroom_id, holder)
      );
      CREATE TABLE lti_grade_links (
        learner_id TEXT NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
        line_item TEXT NOT NULL,
        platform_id TEXT NOT NULL REFERENCES lti_platforms(id) ON DELETE CASCADE,
        user_id TEXT NOT NULL,
        lesson_id TEXT,
        classroom_id TEXT,
        last_score TEXT,
        created_at TEXT NOT NULL,
        PRIMARY KEY (learner_id, line_item)
      );
      CREATE TABLE lti_score_outbox (
        id TEXT PRIMARY KEY,
        learner_id TEXT NOT NULL,
        platform_id TEXT NOT NULL REFERENCES lti_platforms(id) ON DELETE CASCADE,
        line_item TEXT NOT NULL,
        classroom_id TEXT,
        lesson_id TEXT,
        score TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        next_attempt_at BIGINT NOT NULL,
        claimed_until BIGINT NOT NULL,
        last_error TEXT,
        created_at TEXT NOT NULL,
        sent_at TEXT
      );
      CREATE INDEX lti_score_outbox_due ON lti_score_outbox (state, next_attempt_at);
      CREATE INDEX lti_score_outbox_learner ON lti_score_outbox (learner_id, line_item);
      CREATE INDEX lti_score_outbox_classroom ON lti_score_outbox (classroom_id);
    `,
  },
];
