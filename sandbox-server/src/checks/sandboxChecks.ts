// file, http, history and command: what is in the sandbox and what answers there.
import { fail, pass, quote, shellWord, type CheckContext, type Finding } from './checkTypes.js';
import type { SpecOf } from '../lessons/checkSchema.js';

export async function checkFile(spec: SpecOf<'file'>, context: CheckContext): Promise<Finding> {
  const result = await context.exec(`cat -- ${shellWord(spec.path)}`, 5000);
  const exists = result.exitCode === 0;
  if (spec.exists === false) return exists ? fail('still-exists', `${spec.path} still exists`) : pass(`${spec.path} does not exist`);
  if (!exists) return fail('missing', `there is no file ${spec.path} in the working directory`);
  const wanted = spec.contains === undefined ? [] : Array.isArray(spec.contains) ? spec.contains : [spec.contains];
  for (const text of wanted) {
    if (!result.output.includes(String(text))) return fail('missing-text', `${spec.path} does not contain ${quote(String(text))}`);
  }
  if (spec.matches && !new RegExp(spec.matches, 'm').test(result.output)) return fail('no-match', `${spec.path} has no line matching /${spec.matches}/`);
  return pass(`${spec.path} exists${wanted.length ? ` and contains ${wanted.map((text) => quote(String(text))).join(', ')}` : ''}`);
}

export async function checkHttp(spec: SpecOf<'http'>, context: CheckContext, timeoutMs: number): Promise<Finding> {
  const path = spec.path ?? '/';
  const status = spec.status ?? 200;
  let answer;
  try {
    answer = await context.httpGet(spec.port, path, timeoutMs);
  } catch (error) {
    return fail('no-answer', `nothing answers on port ${spec.port} in your sandbox (${(error as Error).message}); is a container publishing it?`);
  }
  if (answer.status !== status) return fail('wrong-status', `GET ${path} on port ${spec.port} answers ${answer.status}, not ${status}`);
  if (spec.contains && !answer.body.includes(spec.contains)) {
    return fail('wrong-body', `GET ${path} on port ${spec.port} answers ${answer.status} but the page does not contain ${quote(spec.contains)}`);
  }
  return pass(`GET ${path} on port ${spec.port} answers ${answer.status}${spec.contains ? ` with ${quote(spec.contains)}` : ''}`);
}

export async function checkHistory(spec: SpecOf<'history'>, context: CheckContext): Promise<Finding> {
  const result = await context.exec('cat /root/.bash_history 2>/dev/null', 5000);
  const lines = commandsSince(result.output, context.historySince);
  const found = spec.matches ? lines.some((line) => new RegExp(spec.matches!).test(line)) : lines.some((line) => line.includes(spec.contains!));
  const what = spec.matches ? `a command matching /${spec.matches}/` : `\`${spec.contains}\``;
  const when = context.historySince === undefined ? '' : ' since you opened this step';
  return found ? pass(`you ran ${what}`) : fail('not-run', `you have not run ${what} in a terminal${when} yet`);
}

/** The history's commands, only those run at or after `sinceMs` when given. Bash stores
 * each command's time as a `#<epoch seconds>` line before it (HISTTIMEFORMAT). */
export function commandsSince(history: string, sinceMs?: number): string[] {
  const commands: string[] = [];
  const sinceS = sinceMs === undefined ? undefined : Math.floor(sinceMs / 1000) - 1;
  let time: number | undefined;
  for (const line of history.split('\n')) {
    const stamp = /^#(\d{9,11})$/.exec(line);
    if (stamp) {
      time = Number(stamp[1]);
      continue;
    }
    if (sinceS === undefined || (time !== undefined && time >= sinceS)) commands.push(line);
  }
  return commands;
}

export async function checkCommand(spec: SpecOf<'command'>, context: CheckContext, timeoutMs: number): Promise<Finding> {
  const result = await context.exec(spec.run, timeoutMs);
  const wanted = spec.exitCode ?? 0;
  const output = result.output.trim().split('\n').slice(-3).join(' | ').slice(0, 300);
  if (result.exitCode !== wanted) return fail('wrong-exit', `\`${spec.run}\` exited with ${result.exitCode}, not ${wanted}${output ? `: ${output}` : ''}`);
  if (spec.outputContains && !result.output.includes(spec.outputContains)) {
    return fail('wrong-output', `\`${spec.run}\` did not print ${quote(spec.outputContains)}${output ? `; it printed: ${output}` : ''}`);
  }
  return pass(`\`${spec.run}\` succeeded`);
}

/** A script's own verdict (a KillerCoda scenario's verify.sh): it passes when it exits 0,
 * as KillerCoda judges; the "done" that scripts of the older protocol print is not taken
 * for a complaint. A failing script's reason is what it said: a
 * VERIFICATION_FAILURE_REASON=... line if it wrote one, else its last lines. */
export async function checkScript(spec: SpecOf<'script'>, context: CheckContext, timeoutMs: number): Promise<Finding> {
  const workdir = spec.workdir ?? '.';
  const result = await context.exec(`cd ${shellWord(workdir)} && bash -c ${shellWord(spec.run)}`, timeoutMs);
  const lines = result.output.trim().split('\n').filter((line) => line.trim() !== '');
  const name = spec.source ?? 'the verify script';
  if (result.exitCode === 0) return pass(`${name} passes`);
  const reason = lines.map((line) => /^(?:export\s+)?VERIFICATION_FAILURE_REASON=["']?(.*?)["']?$/.exec(line)?.[1]).find(Boolean);
  const said = reason ?? lines.slice(-3).join(' | ').slice(0, 300);
  return fail('verify-failed', `${name} does not pass yet${said ? `: ${said}` : ''}`);
}
