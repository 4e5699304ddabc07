// Installs the Debian packages Drydock needs on the host, when they are missing.
import { commandExists, run } from './run.js';
import { note } from './progress.js';

/** command that must exist -> Debian package that provides it */
const REQUIRED: Record<string, string> = {
  dockerd: 'docker.io',
  'docker-registry': 'docker-registry',
  debootstrap: 'debootstrap',
  'busybox': 'busybox-static',
  iptables: 'iptables',
  ip: 'iproute2',
};

export async function missingHostPackages(): Promise<string[]> {
  const missing: string[] = [];
  for (const [command, pkg] of Object.entries(REQUIRED)) {
    if (!(await commandExists(command))) missing.push(pkg);
  }
  return missing;
}

export async function ensureHostPackages(): Promise<void> {
  const missing = await missingHostPackages();
  if (missing.length === 0) return;
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !(await commandExists('apt-get'))) {
    throw new Error(
      `Drydock needs these Debian packages: ${missing.join(' ')}. ` +
        `Install them as root (apt-get install -y ${missing.join(' ')}) or run Drydock as root on Debian so it can.`,
    );
  }
  note(`installing ${missing.join(', ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update', '-q'], { env });
  await run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { env });
}
