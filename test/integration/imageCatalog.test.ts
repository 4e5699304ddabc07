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
import { CATALOG } from '../../sandbox-server/src/images/imageRecipes.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');
let server: TestServer;
let session: CreatedSession;
let sandbox: Sandbox;

async function sh(script: string, timeoutMs = 120_000) {
  return server.app.backend.exec(sandbox, ['bash', '-c', script], timeoutMs);
}

/** Pulls quietly first, so what the test reads is the containers' output alone. */
async function pulled(images: string[]): Promise<void> {
  const result = await sh(images.map((image) => `docker pull -q ${image} >/dev/null`).join(' && '), 300_000);
  expect(result.exitCode, result.output).toBe(0);
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
        'tmux -V && nano --version | head -1 && vim --version | head -1 && jq --version && dig -v 2>&1 && python3 --version && ' +
        'test -f /usr/share/bash-completion/completions/docker && echo tools-ok',
    );
    expect(result.output).toContain('Docker Compose version 2.26');
    expect(result.output).toContain('tools-ok');
  });
});

describe('the image stand-ins', () => {
  it('debian:bookworm-slim is Debian 12; debian, debian:stable-slim and debian:13 are Debian 13', async () => {
    await pulled(['debian:bookworm-slim', 'debian:latest', 'debian:stable-slim', 'debian:13']);
    const result = await sh(
      'for tag in bookworm-slim latest stable-slim 13; do printf "%s=" $tag; docker run --rm debian:$tag cat /etc/debian_version; done',
    );
    expect(result.output).toMatch(/^bookworm-slim=12\./m);
    for (const tag of ['latest', 'stable-slim', '13']) expect(result.output).toMatch(new RegExp(`^${tag}=13\\.`, 'm'));
  });

  it('tags of current tutorials resolve: python 3.13 and 3.12, node 20 with npm, nginx:stable, postgres 16 and 17, redis 7 and 8, bash', async () => {
    // One image at a time, removed after use: together they would not fit a small sandbox disk.
    const runs: [string, string][] = [
      ['python:3.13-slim', 'python -c "import sys; print(\'py313\', *sys.version_info[:2])"'],
      ['python:3.12-slim', 'python -c "print(\'py312-alias\')"'],
      ['node:20', 'sh -c "echo node=\\$(node --version) npm=\\$(npm --version) gcc=\\$(command -v gcc)"'],
      ['node:lts-slim', 'node -e "console.log(\'lts-slim\', process.version)"'],
      ['node:20-slim', 'sh -c "command -v gcc || echo slim-no-gcc; id node"'],
      ['nginx:stable', 'sh -c "nginx -v 2>&1"'],
      ['postgres:17', 'postgres --version'],
      ['postgres:16', 'postgres --version'],
      ['redis:7', 'redis-server --version'],
      ['redis:8', 'redis-server --version'],
      ['bash', '-c \'echo "bash=$BASH_VERSION"\''],
      ['bash', 'echo plain-command'],
    ];
    const result = await sh(
      runs.map(([image, command]) => `docker pull -q ${image} >/dev/null && docker run --rm ${image} ${command}; docker rmi -f ${image} >/dev/null`).join('; '),
      300_000,
    );
    expect(result.output).toContain('py313 3 13');
    expect(result.output).toContain('py312-alias');
    expect(result.output).toMatch(/node=v20\.\S+ npm=\d+\.\S+ gcc=\/usr\/bin\/gcc/);
    expect(result.output).toMatch(/lts-slim v20\./);
    expect(result.output).toContain('slim-no-gcc');
    expect(result.output).toContain('uid=1000(node)');
    expect(result.output).toMatch(/nginx\/1\.26/);
    expect(result.output.match(/postgres \(PostgreSQL\) 17\./g)).toHaveLength(2);
    expect(result.output).toMatch(/Redis server v=7\./);
    expect(result.output).toMatch(/Redis server v=8\./);
    expect(result.output).toMatch(/bash=5\.2/);
    expect(result.output).toContain('plain-command');
  });

  it('the -alpine tags of service images are the Debian stand-ins; alpine is busybox whose apk says why it is absent; a missing image lists the catalog', async () => {
    await pulled(['nginx:alpine', 'redis:7-alpine', 'alpine']);
    const result = await sh(
      'docker run -d --name alpine-web -p 8082:80 nginx:alpine >/dev/null && for i in $(seq 20); do curl -sf localhost:8082 >/dev/null && echo nginx-alpine-serves && break; sleep 0.2; done; docker rm -f alpine-web >/dev/null; ' +
        'docker run --rm redis:7-alpine redis-server --version; docker run --rm alpine:3 sh -c "echo from-$((6*7))-alpine"; docker run --rm alpine apk add curl 2>&1; echo "apk-exit=$?"; ' +
        'docker pull mongo 2>&1; echo "pull-exit=$?"',
    );
    expect(result.output).toContain('nginx-alpine-serves');
    expect(result.output).toMatch(/Redis server v=7\./);
    expect(result.output).toContain('from-42-alpine');
    expect(result.output).toMatch(/drydock: this alpine is a stand-in made of busybox[\s\S]*apk-exit=1/);
    const names = [...new Set(['busybox', 'debian', ...CATALOG.map((recipe) => recipe.name)])].sort().join(', ');
    expect(result.output).toMatch(/drydock: that image is not in this sandbox's catalog/);
    expect(result.output).toContain(`holds ${names}, with their usual tags`);
    expect(result.output).toMatch(/pull-exit=[1-9]/);
  });

  it('postgres (17) creates the role and database from POSTGRES_* and refuses to start without a password', async () => {
    await pulled(['postgres']);
    const result = await sh(
      'docker run -d --name pg -e POSTGRES_PASSWORD=secret -e POSTGRES_USER=shop -e POSTGRES_DB=orders postgres >/dev/null && ' +
        'for i in $(seq 60); do docker exec pg pg_isready -U shop -d orders -h 127.0.0.1 >/dev/null 2>&1 && break; sleep 0.5; done; ' +
        'docker exec -e PGPASSWORD=secret pg psql -h 127.0.0.1 -U shop -d orders -tAc "select current_user || \'@\' || current_database()"; ' +
        'docker exec pg ls /var/lib/postgresql/data/PG_VERSION; docker rm -f pg >/dev/null; ' +
        'docker run --rm postgres 2>&1 | head -3',
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
    await pulled(['python:3.11-slim', 'python:3.11']);
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
