// What a check needs from the sandbox, and what it answers.
import type Docker from 'dockerode';
import type { ExecResult } from '../engine/sandboxBackend.js';

export interface CheckContext {
  /** The sandbox's own Docker engine (its API, not screen-scraped CLI output). */
  docker: Docker;
  /** Runs a command in the sandbox, in its working directory. */
  exec(script: string, timeoutMs?: number): Promise<ExecResult>;
  /** GET on a port published in the sandbox. */
  httpGet(port: number, path: string, timeoutMs: number): Promise<{ status: number; body: string }>;
  /** When the learner opened this lesson in this session (ms): commands typed before
   * it, in another lesson, do not count for history checks. */
  historySince?: number;
}

export interface Finding {
  passed: boolean;
  message: string;
  /** A short code for what was found (missing, wrong-port, …), for hints. */
  code?: string;
}

export const pass = (message: string): Finding => ({ passed: true, message });
export const fail = (code: string, message: string): Finding => ({ passed: false, code, message });

// Specs are validated by the loader's schema before they reach a runner.
export type CheckRunner = (spec: any, context: CheckContext, timeoutMs: number) => Promise<Finding>;

/** Docker's reading of image names: nginx = nginx:latest = docker.io/library/nginx:latest. */
export function normalizeImage(name: string): string {
  let image = name.replace(/^docker\.io\//, '').replace(/^library\//, '');
  if (image.includes('@')) return image;
  const lastSlash = image.lastIndexOf('/');
  if (!image.slice(lastSlash + 1).includes(':')) image += ':latest';
  return image;
}

export function isNotFound(error: unknown): boolean {
  return (error as { statusCode?: number })?.statusCode === 404;
}

/** An engine object's details, or undefined when the engine has no such object. */
export async function inspectIfExists<T>(inspect: () => Promise<T>): Promise<T | undefined> {
  try {
    return await inspect();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export function quote(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
}

/** Shell-quotes a word for sh -c scripts. */
export function shellWord(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
