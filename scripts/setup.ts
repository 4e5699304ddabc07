// `npm run setup`: prepares the host (engine, network, mirror, images) and exits.
import { loadConfig } from '../sandbox-server/src/config.js';
import { setUpHost } from '../sandbox-server/src/setup/setupHost.js';

try {
  await setUpHost(loadConfig());
  console.log('Drydock is set up.');
} catch (error) {
  console.error(`\nSet-up failed: ${(error as Error).message}`);
  process.exit(1);
}
