// Images made from a root filesystem on the host and `docker import`ed: the Debian
// bases (debootstrap, one per suite) and busybox (Debian's static busybox). No registry
// is needed. A base of a newer suite than the host's is fine: debootstrap only unpacks.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { hashParts } from './imageRecipes.js';
import { debianMirror } from './debianMirror.js';
import { run } from '../setup/run.js';
import type { ImageTools } from './imageTools.js';

/** Debian releases the images are made from: bookworm (12) for the pinned older tags,
 * trixie (13, today's stable) for the sandbox and the current tags. */
export type DebianSuite = 'bookworm' | 'trixie';
export const DEBIAN_SUITES: DebianSuite[] = ['bookworm', 'trixie'];
// Like the official slim image: no docs, man pages or translations, apt lists cleaned.
const SLIM_DPKG_CONFIG = `path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
`;
const APT_CLEAN_CONFIG = `DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";
APT::Install-Recommends "false";
`;

export function baseImageTag(suite: DebianSuite): string {
  return `drydock/debian-base:${hashParts([suite, 'minbase', SLIM_DPKG_CONFIG, APT_CLEAN_CONFIG, 'v1'])}`;
}

export async function buildBaseImage(tools: ImageTools, workDir: string, suite: DebianSuite): Promise<void> {
  const rootfs = fs.mkdtempSync(path.join(workDir, `debian-${suite}-`));
  // One package cache per suite: the same file name can differ between suites.
  const cacheDir = path.join(workDir, 'debs', suite);
  fs.mkdirSync(cacheDir, { recursive: true });
  try {
    await run('debootstrap', [
      '--variant=minbase',
      `--cache-dir=${cacheDir}`,
      suite,
      rootfs,
      debianMirror(),
    ], { quiet: true });
    fs.writeFileSync(path.join(rootfs, 'etc/dpkg/dpkg.cfg.d/docker-slim'), SLIM_DPKG_CONFIG);
    fs.writeFileSync(path.join(rootfs, 'etc/apt/apt.conf.d/docker-clean'), APT_CLEAN_CONFIG);
    for (const dir of ['var/cache/apt/archives', 'var/lib/apt/lists', 'usr/share/doc', 'usr/share/man', 'usr/share/info', 'usr/share/locale']) {
      emptyFolder(path.join(rootfs, dir));
    }
    await importRootfs(tools, rootfs, baseImageTag(suite), ['CMD ["bash"]']);
  } finally {
    fs.rmSync(rootfs, { recursive: true, force: true });
  }
}

export function busyboxImageTag(): string {
  return `drydock/busybox:${hashParts([fs.readFileSync(busyboxBinary()), 'v1'])}`;
}

function busyboxBinary(): string {
  for (const candidate of ['/bin/busybox', '/usr/bin/busybox']) if (fs.existsSync(candidate)) return candidate;
  throw new Error('busybox is not installed (Debian package busybox-static)');
}

export async function buildBusyboxImage(tools: ImageTools): Promise<void> {
  const rootfs = fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-busybox-'));
  try {
    for (const dir of ['bin', 'etc', 'tmp', 'root', 'var/www', 'home', 'dev', 'proc', 'sys']) {
      fs.mkdirSync(path.join(rootfs, dir), { recursive: true });
    }
    fs.chmodSync(path.join(rootfs, 'tmp'), 0o1777);
    fs.copyFileSync(busyboxBinary(), path.join(rootfs, 'bin/busybox'));
    fs.chmodSync(path.join(rootfs, 'bin/busybox'), 0o755);
    const applets = (await run(busyboxBinary(), ['--list'], { quiet: true })).split('\n').filter(Boolean);
    for (const applet of applets) {
      if (applet !== 'busybox') fs.symlinkSync('busybox', path.join(rootfs, 'bin', applet));
    }
    fs.writeFileSync(path.join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n');
    fs.writeFileSync(path.join(rootfs, 'etc/group'), 'root:x:0:\nnobody:x:65534:\n');
    await importRootfs(tools, rootfs, busyboxImageTag(), ['CMD ["sh"]']);
  } finally {
    fs.rmSync(rootfs, { recursive: true, force: true });
  }
}

function emptyFolder(dir: string): void {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir)) {
    if (entry === 'locale.alias') continue;
    fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
  }
}

async function importRootfs(tools: ImageTools, rootfs: string, tag: string, changes: string[]): Promise<void> {
  const tar = spawn('tar', ['--numeric-owner', '-C', rootfs, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const changeArgs = changes.flatMap((change) => ['--change', change]);
  await tools.docker(['import', ...changeArgs, '-', tag], tar.stdout);
}
