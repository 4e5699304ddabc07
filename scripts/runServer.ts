// Serves until SIGINT (Ctrl+C: removes this server's sandboxes) or SIGTERM (a restart or
// deploy: running sessions stay, and the next start reattaches them). A fault in one
// request's handling is logged; it never takes the server (and every learner) down.
import type { DrydockConfig } from '../sandbox-server/src/config.js';
import type { EngineChoice } from '../sandbox-server/src/setup/engineDaemon.js';
import { startServer } from '../sandbox-server/src/server.js';

export async function runServer(config: DrydockConfig, engine: EngineChoice): Promise<void> {
  process.on('unhandledRejection', (reason) => console.error('unhandled rejection:', reason));
  process.on('uncaughtException', (error) => console.error('uncaught exception:', error));
  const server = await startServer(config, engine);
  console.log(`\nDrydock is ready: ${server.url}\n`);
  const shutdown = async (keepSessions: boolean) => {
    console.log(keepSessions ? 'stopping: sessions stay for the next start to reattach…' : 'stopping: removing sandboxes…');
    await server.close({ keepSessions });
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown(false));
  process.once('SIGTERM', () => void shutdown(true));
}
