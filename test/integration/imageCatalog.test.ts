// The sandbox's tools and the lesson image stand-ins behave as learners expect from
// the official images: default commands, ports, documented environment variables.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/testServer.js';
import type { CreatedSession } from '../support/drydockClient.js';
import type { Sandbox } from '../../sandbox-server/src/engine/sandboxBackend.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');
let server: TestServer;
let session: CreatedSession;
let sandbox: Sandbox;

async function sh(script: string, timeoutMs = 120_000) {
  return server.app.backend.exec(sandbox, ['bash', '-c', script], timeoutMs);
}

beforeAll(async () => {
  server = await startTestServer();
  session = await server.client.createSession();
  await server.client.waitReady(session.id, session.token);
  sandbox = server.app.sessions.get(session.id)!.sandbox!;
});

afterAll(async () => {
  await server?.close();
});

describe('the sandbox', () => {
  it('has the tools a learner reaches for', async () => {
    const result = await sh(
      'docker compose version && docker-compose version --short && git --version && curl --version | head -1 && ' +
        'tmux -V && nano --version | head -1 && vim --version | head -1 && test -f /usr/share/bash-completion/completions/docker && echo tools-ok',
    );
    expect(result.output).toContain('docker-compose version 1.29');
    expect(result.output).toContain('tools-ok');
  });
});

describe('the image stand-ins', () => {
  it('debian:bookworm-slim is Debian 12', async () => {
    const result = await sh('docker run --rm debian:bookworm-slim cat /etc/debian_version');
    expect(result.output).toMatch(/^12\./m);
  });

  it('postgres:15 creates the role and database from POSTGRES_* and refuses to start without a password', async () => {
    const result = await sh(
      'docker run -d --name pg -e POSTGRES_PASSWORD=secret -e POSTGRES_USER=shop -e POSTGRES_DB=orders postgres:15 >/dev/null && ' +
        'for i in $(seq 60); do docker exec pg pg_isready -U shop -d orders -h 127.0.0.1 >/dev/null 2>&1 && break; sleep 0.5; done; ' +
        'docker exec -e PGPASSWORD=secret pg psql -h 127.0.0.1 -U shop -d orders -tAc "select current_user || \'@\' || current_database()"; ' +
        'docker exec pg ls /var/lib/postgresql/data/PG_VERSION; docker rm -f pg >/dev/null; ' +
        'docker run --rm postgres:15 2>&1 | head -3',
    );
    expect(result.output).toContain('shop@orders');
    expect(result.output).toContain('/var/lib/postgresql/data/PG_VERSION');
    expect(result.output).toContain('superuser password is not specified');
  });

  it('redis answers PING on 6379', async () => {
    const result = await sh(
      'docker run -d --name cache redis >/dev/null && for i in $(seq 20); do docker exec cache redis-cli ping 2>/dev/null | grep -q PONG && break; sleep 0.2; done; ' +
        'docker exec cache redis-cli ping; docker inspect -f "{{json .Config.ExposedPorts}}" redis; docker rm -f cache >/dev/null',
    );
    expect(result.output).toContain('PONG');
    expect(result.output).toContain('6379/tcp');
  });

  it('httpd serves "It works!" on port 80', async () => {
    const result = await sh(
      'docker run -d --name site -p 8081:80 httpd >/dev/null && for i in $(seq 20); do curl -sf localhost:8081 && break; sleep 0.2; done; docker rm -f site >/dev/null',
    );
    expect(result.output).toContain('It works!');
  });

  it('python:3.11 carries a compiler and python:3.11-slim does not', async () => {
    const result = await sh(
      'docker run --rm python:3.11-slim python -c "import sys; print(\'py\', *sys.version_info[:2])"; ' +
        'docker run --rm python:3.11-slim pip --version | cut -c1-3; ' +
        'docker run --rm python:3.11 gcc --version | head -1; ' +
        'docker run --rm python:3.11-slim sh -c "command -v gcc || echo no-gcc"',
    );
    expect(result.output).toContain('py 3 11');
    expect(result.output).toContain('pip');
    expect(result.output).toMatch(/gcc .*12\./);
    expect(result.output).toContain('no-gcc');
  });

  it('registry:2 accepts a push and serves the pull', async () => {
    const result = await sh(
      'docker run -d --name reg -p 5000:5000 registry:2 >/dev/null && for i in $(seq 20); do curl -sf localhost:5000/v2/ >/dev/null && break; sleep 0.2; done; ' +
        'docker pull -q busybox >/dev/null && docker tag busybox localhost:5000/team/tool:1.0 && docker push -q localhost:5000/team/tool:1.0 && ' +
        'docker rmi localhost:5000/team/tool:1.0 >/dev/null && docker pull -q localhost:5000/team/tool:1.0 && ' +
        'docker run --rm localhost:5000/team/tool:1.0 echo pulled-back; docker rm -f reg >/dev/null',
    );
    expect(result.output).toContain('pulled-back');
  });
});

describe('the port preview', () => {
  it('proxies WebSocket upgrades to a published port', async () => {
    const script = fs.readFileSync(path.join(FIXTURES, 'ws_echo.py')).toString('base64');
    await sh(
      `mkdir -p /workspace/ws && echo ${script} | base64 -d > /workspace/ws/ws_echo.py && ` +
        'docker run -d --name wsecho -p 9001:9001 -v /workspace/ws:/app python:3.11-slim python /app/ws_echo.py',
    );
    const url = `${server.url.replace(/^http/, 'ws')}/api/sessions/${session.id}/ports/9001/?token=${session.token}`;
    const echo = () =>
      new Promise<string>((resolve, reject) => {
        const socket = new WebSocket(url);
        socket.once('open', () => socket.send('hello through drydock'));
        socket.once('message', (data) => {
          resolve(data.toString());
          socket.close();
        });
        socket.once('error', reject);
      });
    // The published port accepts before the app listens (docker-proxy), so try a few times.
    let reply = '';
    for (let attempt = 0; attempt < 40 && !reply; attempt++) {
      reply = await echo().catch(async () => {
        await new Promise((resolve) => setTimeout(resolve, 250));
        return '';
      });
    }
    expect(reply).toBe('echo:hello through drydock');
  });
});
