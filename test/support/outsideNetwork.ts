// A stand-in for "the internet" that is still this machine's own: a network namespace
// behind a veth pair with a tiny HTTP server, so egress can be tested without sending a
// packet to any other address.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { run } from '../../sandbox-server/src/setup/run.js';

export interface OutsideNetwork {
  address: string;
  port: number;
  close(): Promise<void>;
}

export async function startOutsideNetwork(name = 'drydock-test-out', hostCidr = '10.213.12.1/24', address = '10.213.12.2', port = 8099): Promise<OutsideNetwork> {
  const hostSide = `${name.slice(0, 10)}-h`;
  const nsSide = `${name.slice(0, 10)}-n`;
  await cleanUp(name, hostSide);
  await run('ip', ['netns', 'add', name], { quiet: true });
  await run('ip', ['link', 'add', hostSide, 'type', 'veth', 'peer', 'name', nsSide], { quiet: true });
  await run('ip', ['link', 'set', nsSide, 'netns', name], { quiet: true });
  await run('ip', ['addr', 'add', hostCidr, 'dev', hostSide], { quiet: true });
  await run('ip', ['link', 'set', hostSide, 'up'], { quiet: true });
  await run('ip', ['netns', 'exec', name, 'ip', 'addr', 'add', `${address}/24`, 'dev', nsSide], { quiet: true });
  await run('ip', ['netns', 'exec', name, 'ip', 'link', 'set', nsSide, 'up'], { quiet: true });
  await run('ip', ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up'], { quiet: true });
  await run('ip', ['netns', 'exec', name, 'ip', 'route', 'add', 'default', 'via', hostCidr.split('/')[0]], { quiet: true });
  const server: ChildProcess = spawn('ip', ['netns', 'exec', name, 'python3', '-c', SERVER, address, String(port)], { stdio: 'ignore' });
  // Wait until it listens (a plain TCP connect from the host).
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && !(await connects(address, port))) await new Promise((resolve) => setTimeout(resolve, 100));
  return {
    address,
    port,
    async close() {
      server.kill('SIGKILL');
      await cleanUp(name, hostSide);
    },
  };
}

const SERVER = `
import http.server, sys
class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b"outside-says-hello")
    def log_message(self, *args): pass
http.server.HTTPServer((sys.argv[1], int(sys.argv[2])), Hello).serve_forever()
`;

async function cleanUp(name: string, hostSide: string): Promise<void> {
  await run('ip', ['link', 'del', hostSide], { quiet: true }).catch(() => undefined);
  await run('ip', ['netns', 'del', name], { quiet: true }).catch(() => undefined);
}

function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 1000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
