// The docker CLI, pointed at Drydock's engine, for the image work it does best
// (build, import, push with progress).
import type Docker from 'dockerode';
import { run } from '../setup/run.js';

export interface ImageTools {
  engine: Docker;
  docker(args: string[], input?: NodeJS.ReadableStream): Promise<string>;
  exists(tag: string): Promise<boolean>;
}

export function imageTools(engine: Docker, engineAddress: string): ImageTools {
  const env = { ...process.env, DOCKER_HOST: engineAddress, DOCKER_BUILDKIT: '0', DOCKER_CLI_HINTS: 'false' };
  return {
    engine,
    docker: (args, input) => run('docker', args, { env, input, quiet: true }),
    async exists(tag) {
      try {
        await engine.getImage(tag).inspect();
        return true;
      } catch {
        return false;
      }
    },
  };
}
