// The check API against a real sandbox: a failed check says what it found instead,
// hints follow the finding, points add up, and bad requests get a 4xx with a reason.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_TRANSFER_BYTES } from '../../sandbox-server/src/sessions/workspaceFiles.js';
import { SAMPLE_LESSONS, startTestServer, type TestServer } from '../support/testServer.js';
import type { CreatedSession } from '../support/drydockClient.js';

let server: TestServer;
let session: CreatedSession;

beforeAll(async () => {
  server = await startTestServer({ lessonsDir: SAMPLE_LESSONS });
  session = await server.client.createSession();
  await server.client.waitReady(session.id, session.token);
});

afterAll(async () => {
  await server?.close();
});

async function check(step: string | number) {
  const response = await server.client.request('POST', `/api/sessions/${session.id}/checks`, session.token, { lesson: 'sample', step });
  expect(response.status).toBe(200);
  return (await response.json()) as { passed: boolean; points: number; maxPoints: number; results: { id: string; passed: boolean; message: string; points: number; hints: string[] }[] };
}

async function sh(script: string) {
  const sandbox = server.app.sessions.get(session.id)!.sandbox!;
  return server.app.backend.exec(sandbox, ['bash', '-c', `cd /workspace && ${script}`], 120_000);
}

describe('lessons over the API', () => {
  it('lists lessons and serves one with rendered steps and no raw check YAML', async () => {
    const list = await (await server.client.request('GET', '/api/lessons')).json();
    expect(list.lessons.map((lesson: { id: string }) => lesson.id)).toEqual(['sample']);
    const lesson = await (await server.client.request('GET', '/api/lessons/sample')).json();
    expect(lesson.steps[1]).toMatchObject({ id: 'serve-a-page', files: ['site/index.html'], hasSolution: true });
    expect(lesson.steps[1].html).not.toContain('maxSizeMb');
    expect((await server.client.request('GET', '/api/lessons/nope')).status).toBe(404);
  });

  it('places a step’s files in the sandbox when the step opens, never over the learner’s edits', async () => {
    const open = () => server.client.request('POST', `/api/sessions/${session.id}/steps`, session.token, { lesson: 'sample', step: 'serve-a-page' });
    expect(await (await open()).json()).toMatchObject({ written: ['site/index.html'] });
    await sh('echo "<h1>my own edit</h1>" > site/index.html');
    expect(await (await open()).json()).toMatchObject({ written: [] });
    expect((await sh('cat site/index.html')).output).toContain('my own edit');
    await sh('echo "<h1>Hello from Drydock</h1>" > site/index.html');
  });

  it('says what it found when a check fails, with the hint for that finding', async () => {
    await sh('docker run -d --name web -p 8081:80 -v "$PWD/site:/usr/share/nginx/html" nginx >/dev/null');
    const result = await check('serve-a-page');
    expect(result.passed).toBe(false);
    const web = result.results.find((r) => r.id === 'web')!;
    expect(web.message).toBe('web publishes 80 on 8081, not on 8080');
    expect(web.hints).toEqual(['Run it with -p 8080:80.', 'Publish container port 80 on 8080.']);
    const page = result.results.find((r) => r.id === 'page')!;
    expect(page.message).toMatch(/nothing answers on port 8080/);
    expect(result.results.find((r) => r.id === 'dockerfile')!.message).toBe('there is no file Dockerfile in the working directory');
    expect(result.results.find((r) => r.id === 'image')!.message).toMatch(/there is no image site:v1/);
  });

  it('passes each check once the sandbox is right, and adds up the points', async () => {
    await sh('docker rm -f web >/dev/null && docker run -d --name web -p 8080:80 -v "$PWD/site:/usr/share/nginx/html" nginx >/dev/null');
    await sh('printf "FROM nginx\\nCOPY site/ /usr/share/nginx/html/\\n" > Dockerfile && docker build -q -t site:v1 . >/dev/null');
    let result = await check(1);
    for (let attempt = 0; attempt < 20 && !result.passed; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      result = await check(1);
    }
    expect(result.results.filter((r) => !r.passed)).toEqual([]);
    expect(result).toMatchObject({ passed: true, points: 5, maxPoints: 5 });
    expect(result.results.find((r) => r.id === 'web')!.message).toBe('web is running, runs nginx, publishes 80 on 8080, mounts /usr/share/nginx/html');
  });

  it('answers bad check requests with a 4xx and a reason', async () => {
    const post = (body: unknown, token = session.token) => server.client.request('POST', `/api/sessions/${session.id}/checks`, token, body);
    expect((await post({ step: 0 })).status).toBe(400);
    expect((await post({ lesson: 'sample', step: 9 })).status).toBe(404);
    expect((await post({ lesson: 'nope', step: 0 })).status).toBe(404);
    expect((await post({ lesson: 'sample', step: { x: 1 } })).status).toBe(400);
    const raw = await fetch(`${server.url}/api/sessions/${session.id}/checks`, { method: 'POST', headers: { authorization: `Bearer ${session.token}` }, body: '{not json' });
    expect(raw.status).toBe(400);
    expect((await raw.json()).error).toMatch(/not valid JSON/);
  });
});

describe('history checks', () => {
  it('count only commands run since the step was opened in this session', async () => {
    const own = await server.client.createSession();
    await server.client.waitReady(own.id, own.token);
    const call = (path: string) => server.client.request('POST', `/api/sessions/${own.id}/${path}`, own.token, { lesson: 'sample', step: 'version' });
    const terminal = await server.client.openTerminal(own.id, own.token);
    await terminal.waitFor('drydock');
    // Typed before the lesson was opened (as in an earlier lesson): it does not count.
    await terminal.run('docker version >/dev/null');
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect((await call('steps')).status).toBe(200);
    const before = await (await call('checks')).json();
    expect(before.passed).toBe(false);
    expect(before.results[0].message).toMatch(/since you opened this step/);
    await terminal.run('docker version >/dev/null');
    expect((await (await call('checks')).json()).passed).toBe(true);
    await terminal.close();
    await server.client.deleteSession(own.id, own.token);
  });
});

describe('workspace files over the API', () => {
  const files = (method: string, route: string, body?: unknown) => server.client.request(method, `/api/sessions/${session.id}/${route}`, session.token, body);

  it('saves a file that the sandbox then sees, and reads it back', async () => {
    const big = 'x'.repeat(300_000); // beyond one command-line argument
    expect((await files('PUT', 'file?path=app/Dockerfile', { content: 'FROM busybox\nCMD ["echo", "saved"]\n' })).status).toBe(200);
    expect((await files('PUT', 'file?path=app/big.txt', { content: big })).status).toBe(200);
    expect((await sh('cd app && wc -c < big.txt && docker build -q -t saved . >/dev/null && docker run --rm saved')).output).toMatch(/300000[\s\S]*saved/);
    const read = await (await files('GET', 'file?path=app/Dockerfile')).json();
    expect(read.content).toContain('CMD ["echo", "saved"]');
    const listing = await (await files('GET', 'files?path=app')).json();
    expect(listing.entries.map((entry: { name: string }) => entry.name)).toEqual(['Dockerfile', 'big.txt']);
  });

  it('uploads any file byte for byte and downloads it back, larger than one read', async () => {
    const bytes = crypto.randomBytes(3 * 1024 * 1024 + 17); // every byte value, several pieces
    const upload = await fetch(`${server.url}/api/sessions/${session.id}/upload?path=${encodeURIComponent('up/data.bin')}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${session.token}`, 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    expect(upload.status).toBe(200);
    expect(await upload.json()).toMatchObject({ path: 'up/data.bin', size: bytes.length });
    const inside = await sh('sha256sum up/data.bin');
    expect(inside.output).toContain(crypto.createHash('sha256').update(bytes).digest('hex'));
    const download = await fetch(`${server.url}/api/sessions/${session.id}/file?path=up/data.bin&download=1&token=${session.token}`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toContain('filename="data.bin"');
    expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
    // The editor reads text files near its limit whole, not cut at one read.
    await sh('head -c 900000 /dev/zero | tr "\\0" "a" > up/long.txt');
    expect(((await (await files('GET', 'file?path=up/long.txt')).json()).content as string).length).toBe(900_000);
  });

  it('refuses uploads and downloads past their limit, and paths outside the working directory', async () => {
    const tooBig = await fetch(`${server.url}/api/sessions/${session.id}/upload?path=big.bin`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${session.token}` },
      body: Buffer.alloc(MAX_TRANSFER_BYTES + 1),
    });
    expect(tooBig.status).toBe(413);
    await sh(`head -c ${MAX_TRANSFER_BYTES + 1} /dev/zero > huge.bin`);
    const download = await fetch(`${server.url}/api/sessions/${session.id}/file?path=huge.bin&download=1&token=${session.token}`);
    expect(download.status).toBe(413);
    expect((await download.json()).error).toMatch(/larger than/);
    const outside = await fetch(`${server.url}/api/sessions/${session.id}/upload?path=../escape.bin`, { method: 'PUT', headers: { authorization: `Bearer ${session.token}` }, body: 'x' });
    expect(outside.status).toBe(400);
    const noToken = await fetch(`${server.url}/api/sessions/${session.id}/file?path=up/data.bin&download=1`);
    expect(noToken.status).toBe(401);
  });

  it('refuses paths outside the working directory and answers 404 for missing files', async () => {
    expect((await files('GET', 'file?path=../etc/passwd')).status).toBe(400);
    expect((await files('PUT', 'file?path=/etc/x', { content: 'x' })).status).toBe(200); // leading slash means /workspace/etc/x
    expect((await sh('test -f /workspace/etc/x && echo inside')).output).toContain('inside');
    expect((await files('GET', 'file?path=nope.txt')).status).toBe(404);
    expect((await files('PUT', 'file?path=a.txt', { text: 'x' })).status).toBe(400);
  });
});
