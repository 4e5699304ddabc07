// The Docker a learner meets in a sandbox is today's: Engine 26, Compose v2 with its
// names and --wait, BuildKit as the builder of `docker build` (skipped stages, cache
// mounts, secrets kept out of layers), and --privileged working inside the sandbox.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/testServer.js';
import type { Sandbox } from '../../sandbox-server/src/engine/sandboxBackend.js';
import { sandboxCheckContext } from '../../sandbox-server/src/checks/sandboxCheckContext.js';
import { checkImage } from '../../sandbox-server/src/checks/imageCheck.js';
import { checkCompose } from '../../sandbox-server/src/checks/resourceChecks.js';
import type { CheckContext } from '../../sandbox-server/src/checks/checkTypes.js';

let server: TestServer;
let sandbox: Sandbox;
let checks: CheckContext;

async function sh(script: string, timeoutMs = 120_000) {
  const result = await server.app.backend.exec(sandbox, ['bash', '-c', `cd /workspace && ${script}`], timeoutMs);
  return result;
}

beforeAll(async () => {
  server = await startTestServer();
  const session = await server.client.createSession();
  await server.client.waitReady(session.id, session.token);
  sandbox = server.app.sessions.get(session.id)!.sandbox!;
  checks = sandboxCheckContext(server.app.backend, sandbox);
});

afterAll(async () => {
  await server?.close();
});

describe('the engine and its tools', () => {
  it('is Engine 26 with Compose v2 (as the plugin and as docker-compose) and buildx', async () => {
    const result = await sh(
      "docker version --format 'engine={{.Server.Version}} api={{.Server.APIVersion}}'; docker compose version --short; docker-compose version --short; docker buildx version; docker buildx ls",
    );
    expect(result.exitCode).toBe(0);
    expect(result.output).toMatch(/engine=26\.\d+\.\d+/);
    expect(result.output.match(/^v?2\.26\.\d+/gm)).toHaveLength(2);
    expect(result.output).toMatch(/github\.com\/docker\/buildx v?0\.13\./);
    expect(result.output).toMatch(/^default\*?\s+docker/m);
  });
});

describe('docker build is BuildKit', () => {
  it('builds only the stages the target needs, and --target stops at a stage', async () => {
    const dockerfile = [
      'FROM busybox AS broken',
      'RUN echo "this stage is never needed" && exit 1',
      'FROM busybox AS builder',
      'RUN echo built > /artifact',
      'FROM busybox',
      'COPY --from=builder /artifact /artifact',
    ].join('\\n');
    const result = await sh(
      `mkdir -p stages && cd stages && printf '${dockerfile}\\n' > Dockerfile && ` +
        'docker build -t stages:final . 2>&1 | tail -3 && docker run --rm stages:final cat /artifact && ' +
        '(docker build --target broken -t stages:broken . >/dev/null 2>&1 && echo BROKEN_BUILT || echo broken-target-fails)',
    );
    expect(result.output).toContain('built');
    expect(result.output).toContain('broken-target-fails');
    expect(await checkImage({ name: 'stages:final', builder: 'buildkit' }, checks)).toMatchObject({ passed: true });
    expect(await checkImage({ name: 'stages:final', builder: 'legacy' }, checks)).toMatchObject({ passed: false, code: 'wrong-builder' });
  });

  it('keeps a cache mount between builds and out of the image', async () => {
    const dockerfile = [
      'FROM busybox',
      'ARG RUN_ID',
      'RUN --mount=type=cache,target=/cache echo "build $RUN_ID" >> /cache/builds.log && cp /cache/builds.log /builds.log',
    ].join('\\n');
    const result = await sh(
      `mkdir -p cached && cd cached && printf '${dockerfile}\\n' > Dockerfile && ` +
        'docker build -q --build-arg RUN_ID=1 -t cached . >/dev/null && docker build -q --build-arg RUN_ID=2 -t cached . >/dev/null && ' +
        'docker run --rm cached cat /builds.log',
    );
    expect(result.output).toContain('build 1\nbuild 2');
    expect(await checkImage({ name: 'cached', lacks: ['/cache/builds.log'], contains: ['/builds.log'] }, checks)).toMatchObject({ passed: true });
  });

  it('uses a build secret without leaving it in a layer, which lacksText proves and a COPY fails', async () => {
    const secret = 'tok-3f9a1c7e5b';
    const withMount = ['FROM busybox', 'RUN --mount=type=secret,id=api_token test -s /run/secrets/api_token && echo unlocked > /unlocked'].join('\\n');
    const copied = ['FROM busybox', 'COPY token.txt /token.txt'].join('\\n');
    const result = await sh(
      `mkdir -p secret && cd secret && printf '${secret}' > token.txt && printf '${withMount}\\n' > Dockerfile && printf '${copied}\\n' > Dockerfile.copied && ` +
        'docker build -q --secret id=api_token,src=token.txt -t with-secret . >/dev/null && docker run --rm with-secret cat /unlocked && ' +
        'docker build -q -f Dockerfile.copied -t copied-secret . >/dev/null && echo both-built',
    );
    expect(result.output).toContain('unlocked');
    expect(result.output).toContain('both-built');
    expect(await checkImage({ name: 'with-secret', lacksText: secret }, checks, 30_000)).toMatchObject({ passed: true });
    expect(await checkImage({ name: 'copied-secret', lacksText: secret }, checks, 30_000)).toMatchObject({ passed: false, code: 'text-in-image' });
  });
});

describe('Compose v2', () => {
  it('names containers project-service-N, waits for health with --wait, and the check ignores one-off runs', async () => {
    const compose = [
      'services:',
      '  web:',
      '    image: busybox',
      '    command: ["httpd", "-f", "-p", "8080", "-h", "/etc"]',
      '    depends_on:',
      '      cache:',
      '        condition: service_healthy',
      '  cache:',
      '    image: busybox',
      '    command: ["sh", "-c", "sleep 1; touch /tmp/ready; exec sleep 600"]',
      '    healthcheck:',
      '      test: ["CMD", "test", "-f", "/tmp/ready"]',
      '      interval: 1s',
      '      retries: 30',
    ].join('\\n');
    // A loaded engine can fail a container's start once ("OCI runtime create failed");
    // `up` is idempotent, so one more `up` then is what a learner would do too.
    const up = 'docker compose up -d --wait >up.log 2>&1 || (grep -q "OCI runtime create failed" up.log && docker compose up -d --wait >up.log 2>&1)';
    const result = await sh(
      `mkdir -p shop && cd shop && printf '${compose}\\n' > compose.yaml && { ${up}; tail -2 up.log; } && ` +
        "docker compose run -d --rm web sleep 30 >/dev/null && docker ps --format '{{.Names}} {{.Status}}'",
    );
    expect(result.output).toMatch(/^shop-web-1 Up/m);
    expect(result.output).toMatch(/^shop-cache-1 Up .*\(healthy\)/m);
    expect(await checkCompose({ project: 'shop', services: { web: 1, cache: 1 }, file: 'compose.yaml' }, checks)).toMatchObject({ passed: true });
  });
});

describe('privileged containers inside the sandbox', () => {
  it('--privileged and --cap-add ALL run with every capability the sandbox holds and a read-only /sys', async () => {
    const result = await sh(
      "docker run --rm --privileged busybox sh -c 'grep CapEff /proc/self/status; grep \" /sys \" /proc/mounts'; " +
        "docker run --rm --cap-add ALL busybox grep CapEff /proc/self/status; grep CapBnd /proc/self/status",
    );
    expect(result.exitCode).toBe(0);
    const sandboxCaps = /CapBnd:\s+(\w+)/.exec(result.output)![1];
    expect(result.output.match(/CapEff:\s+(\w+)/g)).toEqual([`CapEff:\t${sandboxCaps}`, `CapEff:\t${sandboxCaps}`]);
    expect(result.output).toMatch(/sysfs \/sys sysfs ro,/);
  });

  it('answers what a sandbox cannot grant with a sentence saying why and what to do instead', async () => {
    const result = await sh('docker run --rm --cap-add SYS_RESOURCE busybox true; echo "exit=$?"');
    expect(result.output).toMatch(/exit=[1-9]/);
    expect(result.output).toMatch(/drydock: a sandbox holds every capability but SYS_RESOURCE.*Leave it out/);
    const ulimit = await sh('docker run --rm --ulimit nofile=99999999:99999999 busybox true; echo "exit=$?"');
    expect(ulimit.output).toMatch(/exit=[1-9]/);
    expect(ulimit.output).toContain('cannot go above the sandbox');
    const fine = await sh('docker run --rm --ulimit nofile=1024:1024 busybox sh -c "ulimit -n"');
    expect(fine.output.trim()).toBe('1024');
  });
});

describe('Docker in Docker inside the sandbox', () => {
  it('docker:dind runs an engine of its own that pulls from the mirror and runs containers', async () => {
    const result = await sh(
      'docker pull -q docker:dind >/dev/null && docker run -d --privileged --name dind docker:dind >/dev/null && ' +
        'for i in $(seq 60); do docker exec dind docker info >/dev/null 2>&1 && break; sleep 0.5; done; ' +
        "docker exec dind docker version --format 'dind-engine={{.Server.Version}}'; " +
        'docker exec dind docker run --rm busybox echo hello-from-dind 2>&1 | tail -1; ' +
        "docker run --rm --link dind:docker -e DOCKER_HOST=tcp://docker:2375 docker:cli docker version --format 'cli-reaches={{.Server.Version}}'; " +
        'docker rm -f dind >/dev/null',
      240_000,
    );
    expect(result.output).toMatch(/dind-engine=26\./);
    expect(result.output).toContain('hello-from-dind');
    expect(result.output).toMatch(/cli-reaches=26\./);
  });
});
