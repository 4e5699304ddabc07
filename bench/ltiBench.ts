// `npm run bench:lti [-- --learners 100 --concurrency 10 --outage-s 3]`: Drydock as an
// LTI tool on this machine, against the test platform. A class launches from its LMS
// (the whole login, id_token and launch exchange) beside the same class joining by
// code, for the ratio; then each learner's passed step travels to the gradebook, once
// with the platform up and once through an outage. Prints the figures and writes
// bench/lti-results.json.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer } from '../test/support/testServer.js';
import { TestPlatform } from '../test/support/ltiPlatform.js';
import { recordCheckRun } from '../sandbox-server/src/classrooms/checkRecorder.js';
import type { StepResult } from '../sandbox-server/src/checks/checkEngine.js';
import { round, summarize } from './stats.js';
import { option } from './benchOptions.js';

const RESULTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'lti-results.json');
const LEARNERS = Number(option('learners', '100'));
const CONCURRENCY = Number(option('concurrency', '10'));
const OUTAGE_MS = Number(option('outage-s', '3')) * 1000;

const print = (text = '') => process.stdout.write(`${text}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `work` for 0..count-1, `concurrency` at a time; each one's duration in ms. */
async function timed(count: number, concurrency: number, work: (index: number) => Promise<void>): Promise<{ ms: number[]; wallS: number }> {
  const ms: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const index = next++;
        const from = performance.now();
        await work(index);
        ms.push(performance.now() - from);
      }
    }),
  );
  return { ms, wallS: (performance.now() - started) / 1000 };
}

const passed: StepResult = { passed: true, points: 1, maxPoints: 1, results: [{ id: 'ran-version', title: 'ran', passed: true, message: 'ok', points: 1, maxPoints: 1, hints: [] }] };

/** Every learner passes a step; how long until the platform holds each score. */
async function passBack(server: TestServer, platform: TestPlatform, learners: { learnerId: string; lineItem: string }[]) {
  const lesson = server.app.lessons.lesson('sample')!;
  const queuedAt = new Map<string, number>();
  const started = performance.now();
  await Promise.all(
    learners.map(async ({ learnerId, lineItem }) => {
      queuedAt.set(lineItem, performance.now());
      await recordCheckRun(server.app, learnerId, lesson, lesson.steps[0], passed, 'learner');
    }),
  );
  const arrived = new Map<string, number>();
  const deadline = Date.now() + 120_000;
  while (arrived.size < learners.length && Date.now() < deadline) {
    for (const { lineItem } of learners) if (!arrived.has(lineItem) && platform.scores(lineItem).length > 0) arrived.set(lineItem, performance.now());
    await sleep(20);
  }
  const latency = [...arrived].map(([lineItem, at]) => at - queuedAt.get(lineItem)!);
  const duplicates = learners.filter(({ lineItem }) => platform.scores(lineItem).length > 1).length;
  return { arrived: arrived.size, duplicates, latencyMs: summarize(latency), wallS: round((performance.now() - started) / 1000) };
}

async function main() {
  print(`Drydock LTI benchmark: ${LEARNERS} learners, ${CONCURRENCY} at a time, an outage of ${OUTAGE_MS / 1000} s`);
  const server = await startTestServer({ ltiRetryBaseMs: 500, ltiRetryMaxMs: 2000, rateLimitAddressPerMinute: 1e6, rateLimitLearnerPerMinute: 1e6 });
  const platform = await TestPlatform.start({ clientId: 'drydock-bench', deploymentId: 'deployment-1', toolUrl: server.url });
  try {
    await server.app.lti.platforms.register(platform.registration('Bench LMS'));
    const target = `${server.url}/lti/launch`;
    // Warm both paths once (keys made, JWKS fetched), as a running server has them.
    await platform.launch({ user: { sub: 'warm-up' }, targetLinkUri: target, custom: { lesson: 'sample' } });

    const created = await server.client.requestJson('POST', '/api/classrooms', undefined, { name: 'Bench room', lessons: ['sample'], maxLearners: LEARNERS });
    const joins = await timed(LEARNERS, CONCURRENCY, async (index) => {
      const joined = await server.client.requestJson('POST', `/api/classrooms/${created.json.code}/join`, undefined, { name: `Learner ${index}` });
      if (joined.status !== 201) throw new Error(`join answered ${joined.status}: ${joined.text}`);
    });

    const learners: { learnerId: string; lineItem: string }[] = [];
    const launches = await timed(LEARNERS, CONCURRENCY, async (index) => {
      const lineItem = platform.createLineItem({ label: 'A sample lesson', scoreMaximum: 6 });
      const { response, cookies } = await platform.launch({ user: { sub: `student-${index}`, name: `Student ${index}` }, targetLinkUri: target, custom: { lesson: 'sample' }, lineItem });
      if (response.status !== 200) throw new Error(`launch answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
      const me = await (await fetch(`${server.url}/api/me`, { headers: { cookie: cookies } })).json();
      learners.push({ learnerId: me.learnerId, lineItem });
    });

    const up = await passBack(server, platform, learners.slice(0, Math.ceil(learners.length / 2)));
    platform.refuseScores(true);
    setTimeout(() => platform.refuseScores(false), OUTAGE_MS);
    const outage = await passBack(server, platform, learners.slice(Math.ceil(learners.length / 2)));

    const launchSummary = summarize(launches.ms);
    const joinSummary = summarize(joins.ms);
    const results = {
      at: new Date().toISOString(),
      machine: { cpus: os.cpus().length, memoryGiB: round(os.totalmem() / 2 ** 30, 1) },
      learners: LEARNERS,
      concurrency: CONCURRENCY,
      launchMs: launchSummary,
      launchesPerS: round(LEARNERS / launches.wallS),
      joinByCodeMs: joinSummary,
      joinsPerS: round(LEARNERS / joins.wallS),
      launchToJoinP50: round(launchSummary.p50 / joinSummary.p50),
      scoresPlatformUp: up,
      scoresThroughOutage: { ...outage, outageS: OUTAGE_MS / 1000, refusedDuringOutage: platform.refusedScoreCount },
      tokenRequests: platform.tokenRequests.length,
    };
    print(`launch from the LMS (login → id_token → launch): p50 ${launchSummary.p50} ms, p95 ${launchSummary.p95} ms, ${results.launchesPerS}/s`);
    print(`join by code (for comparison):                   p50 ${joinSummary.p50} ms, p95 ${joinSummary.p95} ms, ${results.joinsPerS}/s`);
    print(`a launch takes ${results.launchToJoinP50}× a join (p50)`);
    const half = Math.ceil(learners.length / 2);
    print(`scores, platform up:     ${up.arrived}/${half} arrived, p50 ${up.latencyMs.p50} ms, p95 ${up.latencyMs.p95} ms, ${up.duplicates} duplicates`);
    print(`scores through a ${OUTAGE_MS / 1000} s outage: ${outage.arrived}/${learners.length - half} arrived, p50 ${outage.latencyMs.p50} ms, p95 ${outage.latencyMs.p95} ms, ${outage.duplicates} duplicates, ${platform.refusedScoreCount} posts refused meanwhile`);
    print(`access tokens asked for: ${platform.tokenRequests.length}`);
    fs.writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
    print(`\nwritten to ${path.relative(process.cwd(), RESULTS)}`);
  } finally {
    await platform.close();
    await server.close();
  }
  process.exit(0);
}

await main();
