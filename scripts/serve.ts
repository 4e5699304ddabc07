// Serves on a host that is already set up (npm start does the set-up first). Tests use
// it to run a server in a process of its own, to kill and restart it.
import { loadConfig } from '../sandbox-server/src/config.js';
import { ensureEngine } from '../sandbox-server/src/setup/engineDaemon.js';
import { runServer } from './runServer.js';

const config = loadConfig();
await runServer(config, await ensureEngine(config));
