// Debian package mirror, read at run time from apt's own sources (never stored in the repository).
import fs from 'node:fs';
import path from 'node:path';

export function debianMirror(): string {
  const candidates: string[] = [];
  const sourcesDir = '/etc/apt/sources.list.d';
  for (const file of fs.existsSync(sourcesDir) ? fs.readdirSync(sourcesDir) : []) {
    if (!file.endsWith('.sources') && !file.endsWith('.list')) continue;
    candidates.push(fs.readFileSync(path.join(sourcesDir, file), 'utf8'));
  }
  if (fs.existsSync('/etc/apt/sources.list')) candidates.push(fs.readFileSync('/etc/apt/sources.list', 'utf8'));
  for (const text of candidates) {
    // deb822: "URIs: http://host/debian" ; one-line: "deb http://host/debian bookworm main"
    const uris = [...text.matchAll(/^URIs:\s*(\S+)/gm), ...text.matchAll(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+\S+/gm)];
    const plain = uris.map((match) => match[1]).find((uri) => !uri.includes('security'));
    if (plain) return plain;
  }
  throw new Error('no Debian mirror found in /etc/apt/sources.list(.d); Drydock builds its images from Debian packages');
}
