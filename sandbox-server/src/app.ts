// What every request handler needs, gathered once at start-up.
import type Docker from 'dockerode';
import type { DrydockConfig } from './config.js';
import type { SandboxBackend } from './engine/sandboxBackend.js';
import type { SessionManager } from './sessions/sessionManager.js';
import type { OpenTerminals } from './terminal/openTerminals.js';
import type { PreopenedTerminals } from './terminal/preopenedTerminals.js';
import type { LessonCatalog } from './lessons/lessonCatalog.js';
import type { ProgressStore } from './store/progressStore.js';

export interface App {
  config: DrydockConfig;
  engine: Docker;
  backend: SandboxBackend;
  sessions: SessionManager;
  sandboxImage: string;
  webRoot: string;
  openTerminals: OpenTerminals;
  preopenedTerminals: PreopenedTerminals;
  lessons: LessonCatalog;
  progress: ProgressStore;
}
