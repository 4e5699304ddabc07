// GET /api/health: ok when the engine, the sandbox image and the mirror all answer.
import type { App } from '../app.js';
import { engineAnswers } from '../engine/hostEngine.js';
import { mirrorAddress, registryAnswers } from '../setup/registryMirror.js';

export async function health(app: App) {
  // The mirror answers on loopback (Drydock's pushes) and on the sandboxes' gateway.
  const [engine, ...mirrors] = await Promise.all([engineAnswers(app.engine), registryAnswers(app.config), registryAnswers(app.config, mirrorAddress(app.config))]);
  const mirror = mirrors.every(Boolean);
  const images = engine && (await app.engine.getImage(app.sandboxImage).inspect().then(() => true, () => false));
  const notReady = [
    ...(engine ? [] : ['engine: the Docker engine does not answer']),
    ...(images ? [] : [`images: the sandbox image ${app.sandboxImage} is missing (run npm run setup)`]),
    ...(mirror ? [] : ['mirror: the registry mirror does not answer']),
  ];
  return {
    ok: notReady.length === 0,
    engine,
    images,
    mirror,
    sessions: { live: app.sessions.liveCount(), max: app.config.maxSessions, warm: app.sessions.warmAvailable, lost: app.sessions.lost },
    ...(notReady.length ? { notReady } : {}),
  };
}
