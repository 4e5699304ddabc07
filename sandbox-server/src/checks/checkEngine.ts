// Runs a step's checks against the sandbox's real state, each with a deadline so a
// hung probe fails cleanly, and turns findings into results with points and hints.
import type { CheckSpec } from '../lessons/lessonTypes.js';
import type { CheckKind, SpecOf } from '../lessons/checkSchema.js';
import type { CheckContext, CheckRunner, Finding } from './checkTypes.js';
import { checkContainer } from './containerCheck.js';
import { checkImage } from './imageCheck.js';
import { checkCompose, checkNetwork, checkService, checkVolume } from './resourceChecks.js';
import { checkCommand, checkFile, checkHistory, checkHttp, checkScript } from './sandboxChecks.js';

/** One runner per kind of checkSchema.ts, taking that kind's settings. */
const RUNNERS: { [Kind in CheckKind]: (spec: SpecOf<Kind>, context: CheckContext, timeoutMs: number) => Promise<Finding> } = {
  container: checkContainer,
  image: checkImage,
  volume: checkVolume,
  network: checkNetwork,
  compose: checkCompose,
  service: checkService,
  file: checkFile,
  http: checkHttp,
  history: checkHistory,
  command: checkCommand,
  script: checkScript,
};

export interface CheckResult {
  id: string;
  title: string;
  passed: boolean;
  message: string;
  /** Points earned: the check's points when passed, else 0. */
  points: number;
  maxPoints: number;
  finding?: string;
  hints: string[];
}

export interface StepResult {
  passed: boolean;
  results: CheckResult[];
  points: number;
  maxPoints: number;
}

export async function runChecks(checks: CheckSpec[], context: CheckContext): Promise<StepResult> {
  const results = await Promise.all(checks.map((check) => runCheck(check, context)));
  return {
    passed: results.every((result) => result.passed),
    results,
    points: results.reduce((sum, result) => sum + result.points, 0),
    maxPoints: results.reduce((sum, result) => sum + result.maxPoints, 0),
  };
}

async function runCheck(check: CheckSpec, context: CheckContext): Promise<CheckResult> {
  let finding: Finding;
  let timer: NodeJS.Timeout | undefined;
  try {
    // The loader validated the settings against the kind's schema.
    const runner = RUNNERS[check.kind] as CheckRunner;
    const deadline = new Promise<Finding>((resolve) => {
      timer = setTimeout(() => resolve({ passed: false, code: 'timeout', message: `the check did not finish within ${check.timeoutMs / 1000} s` }), check.timeoutMs);
    });
    finding = await Promise.race([runner(check.spec, context, check.timeoutMs), deadline]);
  } catch (error) {
    finding = { passed: false, code: 'error', message: `the check could not run: ${(error as Error).message}` };
  } finally {
    clearTimeout(timer);
  }
  return {
    id: check.id,
    title: check.title,
    passed: finding.passed,
    message: finding.message,
    points: finding.passed ? check.points : 0,
    maxPoints: check.points,
    ...(finding.code ? { finding: finding.code } : {}),
    hints: finding.passed ? [] : check.hints.filter((hint) => !hint.when || hint.when === finding.code).map((hint) => hint.text),
  };
}
