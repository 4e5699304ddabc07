// The connection to the engine that runs the sandboxes (the "host engine").
import Docker from 'dockerode';

export function connectEngine(address: string): Docker {
  if (address.startsWith('unix://')) return new Docker({ socketPath: address.slice('unix://'.length) });
  if (address.startsWith('/')) return new Docker({ socketPath: address });
  const url = new URL(address.replace(/^tcp:/, 'http:'));
  return new Docker({ host: url.hostname, port: Number(url.port || 2375), protocol: 'http' });
}

export async function engineAnswers(docker: Docker, timeoutMs = 2000): Promise<boolean> {
  try {
    await Promise.race([
      docker.ping(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), timeoutMs)),
    ]);
    return true;
  } catch {
    return false;
  }
}

/** True when root inside a container is an unprivileged user on the host. */
export async function engineRemapsUsers(docker: Docker): Promise<boolean> {
  const info = await docker.info();
  const options: string[] = info.SecurityOptions ?? [];
  return options.some((option) => option.includes('name=userns'));
}
