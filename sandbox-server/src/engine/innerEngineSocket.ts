// The client for a sandbox's own Docker engine, reached through its socket as the host
// sees it (/proc/<pid>/root/run/docker.sock). The learner is root in there and may
// replace /run or the socket with a symlink; the kernel resolves an absolute symlink met
// under /proc/<pid>/root against the server's root, so a plain connect could land on the
// host's engine. Each connection therefore walks the path one component at a time
// without following links (O_PATH | O_NOFOLLOW) and connects to the socket inode found.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import Docker from 'dockerode';

// Linux's O_PATH (the same on x86-64 and arm64); Node does not export it.
const O_PATH = 0o10000000;
const NO_FOLLOW = O_PATH | fs.constants.O_NOFOLLOW;

export class UnsafeSocketError extends Error {}

/** An O_PATH descriptor of the sandbox's engine socket, proven to be a socket in its root. */
export function openInnerSocket(pid: number): number {
  const opened: number[] = [];
  try {
    const root = fs.openSync(`/proc/${pid}/root`, O_PATH | fs.constants.O_DIRECTORY);
    opened.push(root);
    const run = openNoFollow(`/proc/self/fd/${root}/run`, true);
    opened.push(run);
    const socket = openNoFollow(`/proc/self/fd/${run}/docker.sock`, false);
    if (!fs.fstatSync(socket).isSocket()) {
      fs.closeSync(socket);
      throw new UnsafeSocketError('/run/docker.sock in the sandbox is not a socket');
    }
    return socket;
  } finally {
    for (const fd of opened) fs.closeSync(fd);
  }
}

function openNoFollow(path: string, directory: boolean): number {
  try {
    return fs.openSync(path, NO_FOLLOW | (directory ? fs.constants.O_DIRECTORY : 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // O_NOFOLLOW | O_DIRECTORY on a symlink fails ENOTDIR: someone put a link there.
    if (code === 'ENOTDIR' || code === 'ELOOP') throw new UnsafeSocketError(`${path.split('/').pop()} in the sandbox is not what the engine made`);
    throw error;
  }
}

/** Connects to the socket behind an O_PATH descriptor; the descriptor closes once used. */
function connectThrough(pid: number): net.Socket {
  let fd: number;
  try {
    fd = openInnerSocket(pid);
  } catch (error) {
    const socket = new net.Socket();
    process.nextTick(() => socket.destroy(error as Error));
    return socket;
  }
  const socket = net.connect(`/proc/self/fd/${fd}`);
  const release = () => {
    if (fd >= 0) fs.closeSync(fd);
    fd = -1;
  };
  socket.once('connect', release);
  socket.once('close', release);
  return socket;
}

export function innerEngineClient(pid: number): Docker {
  const agent = new http.Agent({ keepAlive: false });
  // Every request gets a fresh connection made the careful way above.
  (agent as unknown as { createConnection: () => net.Socket }).createConnection = () => connectThrough(pid);
  return new Docker({ protocol: 'http', host: 'sandbox-engine', port: 80, agent } as Docker.DockerOptions);
}
