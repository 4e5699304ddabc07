// `npm run lti -- <command>`: the operator's side of LTI 1.3. Registers the LMS
// platforms that may launch Drydock, shows the addresses and key to paste into them,
// rotates Drydock's signing key, and sends again the scores a platform did not take. Works on the same database as the server (a
// running server sees changes at once).
import { createPublicKey } from 'node:crypto';
import { loadConfig } from '../sandbox-server/src/config.js';
import { openDatabase } from '../sandbox-server/src/store/database.js';
import { LtiPlatformStore, PlatformTaken, type Platform } from '../sandbox-server/src/store/ltiPlatformStore.js';
import { ScoreOutboxStore, type OutboxScore } from '../sandbox-server/src/store/scoreOutboxStore.js';
import { ToolKeys } from '../sandbox-server/src/lti/toolKeys.js';
import { parsePlatform, PlatformSettingsError, PLATFORM_FLAGS } from '../sandbox-server/src/lti/platformSettings.js';

const USAGE = `usage: npm run lti -- <command>
  urls                      the addresses and public key to paste into an LMS
  list                      the registered platforms
  register <options>        registers a platform:
${PLATFORM_FLAGS}
  update <id> <options>     changes a registration (only the options given)
  remove <id>               removes a platform (its launches stop working)
  rotate-key                a new signing key; the old one stays published for a day
  send-again [<id>]         sends again the scores a platform did not take (all
                            platforms, or one), once the cause is fixed in the LMS`;

function options(args: string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (let i = 0; i < args.length; i += 2) {
    if (!args[i].startsWith('--') || args[i + 1] === undefined) throw new PlatformSettingsError(`expected --option value pairs, got "${args.slice(i).join(' ')}"`);
    values[args[i]] = args[i + 1];
  }
  return values;
}

function describe(platform: Platform, notTaken: OutboxScore[] = []): string {
  return `${platform.id}  ${platform.name}
    issuer ${platform.issuer}, client id ${platform.clientId}, deployments ${platform.deploymentIds.join(', ')}
    auth ${platform.authUrl}
    token ${platform.tokenUrl}
    keys ${platform.jwksUrl}${
      notTaken.length
        ? `\n    ${notTaken.length} score(s) not taken, the latest answer: ${notTaken[0].lastError}\n    (fix it in the LMS, then: npm run lti -- send-again ${platform.id})`
        : ''
    }`;
}

async function urls(keys: ToolKeys): Promise<string> {
  const base = loadConfig().publicUrl ?? `http://localhost:${loadConfig().port}`;
  const [jwk] = (await keys.jwks()).keys;
  const pem = createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
  return `Drydock's LTI 1.3 tool addresses${loadConfig().publicUrl ? '' : ' (set DRYDOCK_PUBLIC_URL to the address your LMS reaches)'}:
  Tool URL / target link URI / redirection URI   ${base}/lti/launch
  Initiate login URL (OIDC login)                ${base}/lti/login
  Public keyset URL (JWKS)                       ${base}/lti/jwks
  Deep linking (content selection) URL           ${base}/lti/launch
  Canvas developer key by URL                    ${base}/lti/config.json
Drydock's current public key (for an LMS that wants it pasted, "RSA key"):
${pem}`;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (!command || command === 'help' || command === '--help') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const db = await openDatabase(loadConfig());
  const platforms = new LtiPlatformStore(db);
  const outbox = new ScoreOutboxStore(db);
  try {
    switch (command) {
      case 'urls':
        console.log(await urls(new ToolKeys(platforms)));
        return 0;
      case 'list': {
        const all = await platforms.all();
        const described = await Promise.all(all.map(async (platform) => describe(platform, await outbox.notTaken({ platformId: platform.id }))));
        console.log(all.length ? described.join('\n') : 'No platform is registered: npm run lti -- register …');
        return 0;
      }
      case 'register': {
        const platform = await platforms.register(parsePlatform(options(args)));
        console.log(`registered:\n${describe(platform)}`);
        return 0;
      }
      case 'update': {
        const [id, ...rest] = args;
        const current = id ? await platforms.byId(id) : undefined;
        if (!current) throw new PlatformSettingsError(`no platform ${id ?? '(none given)'}: npm run lti -- list shows their ids`);
        console.log(`updated:\n${describe(await platforms.update(current.id, parsePlatform(options(rest), current)))}`);
        return 0;
      }
      case 'remove':
        if (!(await platforms.remove(args[0] ?? ''))) throw new PlatformSettingsError(`no platform ${args[0] ?? '(none given)'}: npm run lti -- list shows their ids`);
        console.log(`removed ${args[0]}`);
        return 0;
      case 'rotate-key':
        console.log(`Drydock now signs with key ${await new ToolKeys(platforms).rotate()}; the previous key stays in /lti/jwks for a day.`);
        return 0;
      case 'send-again': {
        const [id] = args;
        if (id !== undefined && !(await platforms.byId(id))) throw new PlatformSettingsError(`no platform ${id}: npm run lti -- list shows their ids`);
        const requeued = await outbox.sendAgain(id === undefined ? {} : { platformId: id });
        // The server notices queued scores at least every 30 s (ScoreDelivery's poll).
        console.log(requeued ? `${requeued} score(s) queued again; a running Drydock sends them within 30 s.` : 'No score is waiting to be sent again.');
        return 0;
      }
      default:
        console.error(`unknown command "${command}"\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof PlatformSettingsError || error instanceof PlatformTaken) {
      console.error(error.message);
      return 2;
    }
    throw error;
  } finally {
    await db.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
