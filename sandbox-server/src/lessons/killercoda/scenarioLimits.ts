// What a Drydock sandbox (one Debian host with its own Docker engine, no systemd) cannot
// give a KillerCoda scenario, found before anyone starts it: a Kubernetes or multi-host
// backend, or systemctl for a service other than Docker. Each refusal names the file and
// line that needs it. KillerCoda's own set-up boilerplate (a registry mirror run with
// podman, the Docker daemon reconfigured and restarted) is not refused: its effect is
// what Drydock's engine already has, so the restart is skipped (SETUP_SHIMS).
import type { LessonProblem } from '../lessonTypes.js';

/** Backends that are one Linux host with Docker: what a sandbox is. */
const ONE_HOST = /^(ubuntu|debian)([-_\w.]*)?$/i;

/** systemctl about the Docker engine (KillerCoda's set-up points it at a registry mirror):
 * the sandbox's engine already pulls through Drydock's, so these are skipped (SETUP_SHIMS). */
const DOCKER_SYSTEMCTL = /\bsystemctl\s+(daemon-reload|(enable|restart|start|reload|stop|status)\s+(docker|containerd)(\.service)?)\s*($|[;&|#])/;

const NEEDS: { pattern: RegExp; reason: string; unless?: RegExp }[] = [
  { pattern: /\bsystemctl\b/, unless: DOCKER_SYSTEMCTL, reason: 'uses systemctl for a service other than Docker; a Drydock sandbox runs no systemd' },
  { pattern: /\b(kubectl|kubeadm|minikube|k3s|kind\s+create)\b/, reason: 'needs Kubernetes; a Drydock sandbox is one Docker host' },
  { pattern: /\b(wget|curl|git\s+clone)\b[^|;&]*\bhttps?:\/\/(?!(localhost|127\.0\.0\.1|local-registry)\b)/, reason: 'downloads from the internet; sandboxes have none (only the image mirror)' },
  { pattern: /\bRUN\b.*\b(pip3?\s+install|npm\s+(install|ci)|yarn(\s+install)?|apk\s+add|apt-get\s+install|go\s+(get|mod\s+download))\b/, reason: 'builds an image that installs packages from the internet; sandboxes have none (only the image mirror)' },
  { pattern: /\bping\b[^|;&]*\b[a-z0-9-]+\.(com|org|net|io|sh|dev)\b/, reason: 'reaches a host on the internet; sandboxes have none' },
];

/** What the set-up scripts of imported scenarios run with: systemctl for the Docker engine
 * succeeds without doing anything (Drydock set the engine up), any other unit fails with
 * a reason; podman (KillerCoda runs its own registry mirror with it) is skipped, so the
 * learner's containers get the addresses the scenario expects. Exported as functions, so
 * the scripts a set-up starts inherit them. */
export const SETUP_SHIMS = `# Drydock: no systemd here, and the sandbox's Docker engine is set up by Drydock (with a registry mirror).
systemctl() {
  case " $* " in
    *" docker"* | *" containerd"* | " daemon-reload ") echo "drydock: skipped systemctl $*: the sandbox's Docker engine is Drydock's" >&2; return 0 ;;
  esac
  echo "drydock: no systemd in this sandbox: systemctl $*" >&2; return 1
}
podman() { echo "drydock: skipped podman $*: images come from Drydock's mirror" >&2; return 0; }
export -f systemctl podman`;

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
      const at = lines.findIndex((line) => need.pattern.test(line) && !need.unless?.test(line) && !/^\s*#/.test(line) && (kind === 'script' || line.includes('{{exec')));
      if (at >= 0) problems.push({ file, line: at + 1, message: `the scenario ${need.reason}` });
    }
  }
  return problems;
}
