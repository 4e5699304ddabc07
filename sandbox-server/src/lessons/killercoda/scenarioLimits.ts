// What a Drydock sandbox (one Debian host with its own Docker engine, no systemd) cannot
// give a KillerCoda scenario, found before anyone starts it: a Kubernetes or multi-host
// backend, systemctl, or set-up that reconfigures the Docker daemon. Each refusal names
// the file and line that needs it.
import type { LessonProblem } from '../lessonTypes.js';

/** Backends that are one Linux host with Docker: what a sandbox is. */
const ONE_HOST = /^(ubuntu|debian)([-_\w.]*)?$/i;

const NEEDS: { pattern: RegExp; reason: string }[] = [
  { pattern: /\bsystemctl\b/, reason: 'uses systemctl; a Drydock sandbox runs no systemd' },
  { pattern: /\/etc\/docker\/daemon\.json/, reason: "reconfigures the Docker daemon (/etc/docker/daemon.json); a sandbox's engine is set up by Drydock" },
  { pattern: /\b(service\s+docker\s+restart|dockerd\s+--)/, reason: 'restarts or reconfigures the Docker daemon; a sandbox\'s engine is set up by Drydock' },
  { pattern: /\b(kubectl|kubeadm|minikube|k3s|kind\s+create)\b/, reason: 'needs Kubernetes; a Drydock sandbox is one Docker host' },
];

/** A file the scenario uses: a script runs whole; of a text, only its {{exec}} commands. */
export interface UsedFile {
  file: string;
  text: string;
  kind: 'script' | 'text';
}

export function refusals(indexFile: string, imageId: string | undefined, hosts: string[], lineOf: (needle: string) => number, used: UsedFile[]): LessonProblem[] {
  const problems: LessonProblem[] = [];
  if (imageId && !ONE_HOST.test(imageId)) {
    problems.push({ file: indexFile, line: lineOf('"imageid"'), message: `the scenario runs on the backend "${imageId}"; a Drydock sandbox is one Debian host with Docker (ubuntu-like backends only)` });
  }
  const others = hosts.filter((host) => host !== 'host01');
  if (others.length) problems.push({ file: indexFile, line: lineOf(`"${others[0]}"`), message: `the scenario uses several hosts (${others.join(', ')}); a Drydock sandbox is one` });
  for (const { file, text, kind } of used) {
    const lines = text.split('\n');
    for (const need of NEEDS) {
      const at = lines.findIndex((line) => need.pattern.test(line) && !/^\s*#/.test(line) && (kind === 'script' || line.includes('{{exec')));
      if (at >= 0) problems.push({ file, line: at + 1, message: `the scenario ${need.reason}` });
    }
  }
  return problems;
}
