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
