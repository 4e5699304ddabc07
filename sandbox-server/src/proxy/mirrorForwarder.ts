// Makes the registry mirror (listening on loopback only) reachable from sandboxes at
// their gateway address; the host firewall lets sandboxes reach this port and no other.
import net from 'node:net';

export function forwardMirror(listenHost: string, listenPort: number, targetPort: number): Promise<net.Server> {
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, listenHost, () => resolve(server));
  });
}

/** Forwards the mirror, or, while another Drydock server on this host does, keeps trying
 * to take over, so sandboxes never lose the mirror when that server stops first. */
export async function shareMirrorForwarding(listenHost: string, listenPort: number, targetPort: number): Promise<{ close(): void }> {
  let server: net.Server | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  const attempt = async (): Promise<void> => {
    try {
      server = await forwardMirror(listenHost, listenPort, targetPort);
      if (closed) server.close();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      if (!closed) retry = setTimeout(() => void attempt().catch(() => undefined), 1000);
      retry?.unref();
    }
  };
  await attempt();
  return {
    close() {
      closed = true;
      clearTimeout(retry);
      server?.close();
    },
  };
}
