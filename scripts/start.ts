// `npm start`: set up whatever is missing, build the web app, serve, print the URL.
import { loadConfig } from '../sandbox-server/src/config.js';
import { setUpHost } from '../sandbox-server/src/setup/setupHost.js';
import { startServer } from '../sandbox-server/src/server.js';
import { ensureWebBuilt } from './webBuild.js';

const config = loadConfig();
try {
  const engine = await setUpHost(config);
  await ensureWebBuilt();
  const server = await startServer(config, engine);
  console.log(`\nDrydock is ready: ${server.url}\n`);
  const shutdown = async () => {
    console.log('stopping: removing sandboxes…');
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
} catch (error) {
  console.error(`\nDrydock could not start: ${(error as Error).message}`);
  process.exit(1);
}
