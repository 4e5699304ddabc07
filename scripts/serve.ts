// Serves on a host that is already set up (npm start does set-up first). Used by tests
// that need a server in a process of its own, to kill and restart it.
import { loadConfig } from '../sandbox-server/src/config.js';
import { ensureEngine } from '../sandbox-server/src/setup/engineDaemon.js';
import { startServer } from '../sandbox-server/src/server.js';

const config = loadConfig();
const server = await startServer(config, await ensureEngine(config));
console.log(`Drydock is ready: ${server.url}`);
process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
