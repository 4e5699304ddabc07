// Starts the sandbox server on a host that setUpHost prepared.
import path from 'node:path';
import type http from 'node:http';
import type net from 'node:net';
import { fileURLToPath } from 'node:url';
import type { DrydockConfig } from './config.js';
import type { App } from './app.js';
import type { EngineChoice } from './setup/engineDaemon.js';
import { createBackend } from './engine/createBackend.js';
import { SessionManager } from './sessions/sessionManager.js';
import { OpenTerminals } from './terminal/openTerminals.js';
import { PreopenedTerminals } from './terminal/preopenedTerminals.js';
import { createHttpServer } from './http/httpServer.js';
import { sandboxImageTag } from './images/imageBuilder.js';
import { loadLessons } from './lessons/lessonLoader.js';
import { LessonCatalog } from './lessons/lessonCatalog.js';
import { openDatabase } from './store/database.js';
import { ProgressStore } from './store/progressStore.js';
import { SessionStore } from './store/sessionStore.js';
import { LiveChecks } from './live/liveChecks.js';
import { Lti } from './lti/ltiService.js';
import { RateLimiter } from './http/rateLimiter.js';
import { CheckQueue } from './checks/checkQueue.js';
import { ClassroomStore } from './store/classroomStore.js';
import { ClassroomHub } from './classrooms/classroomHub.js';
import { liveGrid, type LiveGrid } from './classrooms/liveGrid.js';

export const WEB_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/web');

export interface RunningServer {
  app: App;
  url: string;
  /** keepSessions leaves running sessions for the next start to reattach. */
  close(options?: { keepSessions?: boolean }): Promise<void>;
}

export async function startServer(config: DrydockConfig, engine: EngineChoice, onlyLessons?: string[]): Promise<RunningServer> {
  // A broken lesson stops the start with every problem listed: never half a curriculum.
  const lessons = new LessonCatalog(await loadLessons(config.lessonsDir, onlyLessons, config.scenarioDirs));
  const backend = await createBackend(config, engine);
  const database = await openDatabase(config);
  const preopenedTerminals = new PreopenedTerminals(backend);
  const sessions = new SessionManager(backend, config, console.log, (sandbox) => preopenedTerminals.prepare(sandbox), new SessionStore(database, config.instance));
  const openTerminals = new OpenTerminals();
  const progress = new ProgressStore(database);
  sessions.onInterrupt((session, reason) => openTerminals.interruptAll(session, reason));
  sessions.onEnd((session, sandbox) => {
    openTerminals.closeAll(session);
    if (sandbox) preopenedTerminals.discard(sandbox.id);
  });
  const app: App = {
    config,
    engine: engine.docker,
    backend,
    sessions,
    sandboxImage: sandboxImageTag(),
    webRoot: WEB_ROOT,
    openTerminals,
    preopenedTerminals,
    lessons,
    progress,
    classrooms: new ClassroomStore(database, progress),
    limiter: new RateLimiter(),
    checkQueue: new CheckQueue(config.checkConcurrency),
    live: undefined as unknown as LiveChecks, // these two need the app itself: set just below
    lti: undefined as unknown as Lti,
    hub: new ClassroomHub<LiveGrid>(async (classroomId) => {
      const classroom = await app.classrooms.byId(classroomId);
      return classroom && liveGrid(app, classroom);
    }),
  };

  app.live = new LiveChecks(app, config.liveChecks);
  app.lti = new Lti(app, database, { retryBaseMs: config.ltiRetryBaseMs, retryMaxMs: config.ltiRetryMaxMs, maxAttempts: config.ltiMaxAttempts });

  const server = createHttpServer(app);
  // Bind first: a second server started by mistake fails here, before it could remove
  // the first one's sandboxes as leftovers.
  await listen(server, config.port, config.host);
  await sessions.start();
  // Scores a previous run left in the outbox go out now.
  app.lti.delivery.start();
  const address = server.address() as net.AddressInfo;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  return {
    app,
    url: `http://${shownHost}:${address.port}`,
    async close({ keepSessions = false } = {}) {
      server.closeAllConnections();
      const closed = new Promise((resolve) => server.close(resolve));
      // Ending the sessions closes their terminal sockets, which the HTTP server no
      // longer tracks once upgraded; only then can it finish closing.
      if (keepSessions) openTerminals.closeEverything();
      app.live.close();
      await app.lti.delivery.close();
      await sessions.stop({ keepSessions });
      await closed;
      app.hub.close();
      await database.close();
    },
  };
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`port ${port} is already in use; set PORT to another port`) : error),
    );
    server.listen(port, host, () => resolve());
  });
}
