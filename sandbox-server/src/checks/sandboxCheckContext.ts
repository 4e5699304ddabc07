// The check context of one sandbox: its inner engine, commands in its working
// directory, and HTTP to its published ports.
import http from 'node:http';
import type { Sandbox, SandboxBackend } from '../engine/sandboxBackend.js';
import type { CheckContext } from './checkTypes.js';

export const WORKDIR = '/workspace';

export function sandboxCheckContext(backend: SandboxBackend, sandbox: Sandbox, historySince?: number): CheckContext {
  return {
    historySince,
    docker: backend.innerEngine(sandbox),
    exec: (script, timeoutMs = 10_000) => backend.exec(sandbox, ['bash', '-c', `cd ${WORKDIR} && ${script}`], timeoutMs),
    httpGet: (port, path, timeoutMs) => httpGet(sandbox.address, port, path, timeoutMs),
  };
}

function httpGet(host: string, port: number, path: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host, port, path, timeout: timeoutMs, headers: { 'user-agent': 'drydock-check' } }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (body.length < 1_000_000) body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    request.on('error', (error: NodeJS.ErrnoException) => reject(new Error(error.code === 'ECONNREFUSED' ? 'connection refused' : error.message)));
  });
}
