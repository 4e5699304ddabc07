// The ports a learner published inside their sandbox (`docker run -p 8080:80 …`),
// read from the sandbox's own engine.
import type { Sandbox, SandboxBackend } from '../engine/sandboxBackend.js';

export interface PublishedPort {
  port: number;
  containerPort: number;
  protocol: string;
  container: string;
  image: string;
}

export async function listPublishedPorts(backend: SandboxBackend, sandbox: Sandbox): Promise<PublishedPort[]> {
  const containers = await backend.innerEngine(sandbox).listContainers();
  const seen = new Map<string, PublishedPort>();
  for (const container of containers) {
    for (const port of container.Ports ?? []) {
      if (!port.PublicPort) continue;
      const key = `${port.PublicPort}/${port.Type}`;
      if (seen.has(key)) continue;
      seen.set(key, {
        port: port.PublicPort,
        containerPort: port.PrivatePort,
        protocol: port.Type,
        container: (container.Names?.[0] ?? container.Id).replace(/^\//, ''),
        image: container.Image,
      });
    }
  }
  return [...seen.values()].sort((a, b) => a.port - b.port);
}
