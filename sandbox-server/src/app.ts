// What every request handler needs, gathered once at start-up.
import type Docker from 'dockerode';
import type { DrydockConfig } from './config.js';
import type { SandboxBackend } from './engine/sandboxBackend.js';
import type { SessionManager } from './sessions/sessionManager.js';
import type { OpenTerminals } from './terminal/openTerminals.js';
import type { PreopenedTerminals } from './terminal/preopenedTerminals.js';
import type { LessonCatalog } from './lessons/lessonCatalog.js';
import type { ProgressStore } from './store/progressStore.js';
import type { ClassroomStore } from './store/classroomStore.js';
import type { ClassroomHub } from './classrooms/classroomHub.js';
import type { LiveGrid } from './classrooms/liveGrid.js';
import type { RateLimiter } from './http/rateLimiter.js';
import type { CheckQueue } from './checks/checkQueue.js';
import type { LiveChecks } from './live/liveChecks.js';
import type { Lti } from './lti/ltiService.js';

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
  classrooms: ClassroomStore;
  hub: ClassroomHub<LiveGrid>;
  limiter: RateLimiter;
  checkQueue: CheckQueue;
  live: LiveChecks;
  lti: Lti;
}
