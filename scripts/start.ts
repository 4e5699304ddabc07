// `npm start [-- --scenarios DIR …]`: set up whatever is missing, build the web app,
// serve (with the KillerCoda scenarios in DIR too), print the URL.
import { loadConfig } from '../sandbox-server/src/config.js';
import { setUpHost } from '../sandbox-server/src/setup/setupHost.js';
import { ensureWebBuilt } from './webBuild.js';
import { runServer } from './runServer.js';
import { withScenarioArgs } from './scenarioArgs.js';

try {
  const config = withScenarioArgs(loadConfig(), process.argv.slice(2));
  const engine = await setUpHost(config);
  await ensureWebBuilt();
  await runServer(config, engine);
} catch (error) {
  console.error(`\nDrydock could not start: ${(error as Error).message}`);
  process.exit(1);
}
