// Runs a host command; output goes to the console (visible progress) or is captured.
import { spawn } from 'node:child_process';

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  input?: NodeJS.ReadableStream;
  quiet?: boolean;
  cwd?: string;
}

export function run(command: string, args: string[], options: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: [options.input ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer, sink: NodeJS.WriteStream) => {
      output += chunk.toString();
      if (output.length > 1_000_000) output = output.slice(-500_000);
      if (!options.quiet) sink.write(chunk);
    };
    child.stdout!.on('data', (chunk: Buffer) => collect(chunk, process.stdout));
    child.stderr!.on('data', (chunk: Buffer) => collect(chunk, process.stderr));
    if (options.input) options.input.pipe(child.stdin!);
    child.on('error', (error) => reject(new Error(`${command}: ${error.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${output.trim().split('\n').slice(-5).join(' | ')}`));
    });
  });
}

export async function succeeds(command: string, args: string[]): Promise<boolean> {
  try {
    await run(command, args, { quiet: true });
    return true;
  } catch {
    return false;
  }
}

export async function commandExists(command: string): Promise<boolean> {
  return succeeds('sh', ['-c', `command -v ${command}`]);
}
