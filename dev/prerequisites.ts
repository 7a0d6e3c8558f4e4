import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';

/** A missing tool, told in one line with the command that installs it. */
export class MissingPrerequisite extends Error {}

type Env = NodeJS.ProcessEnv;

export function requireFfmpeg(env: Env = process.env): void {
  for (const tool of ['ffmpeg', 'ffprobe']) {
    if (spawnSync(tool, ['-version'], { stdio: 'ignore', env }).status !== 0) {
      throw new MissingPrerequisite(`${tool} is not on PATH; install it with: sudo apt-get install -y ffmpeg`);
    }
  }
}

/** True when something at host:port answers a Redis PING. */
export function redisAnswers(url: string, timeoutMs = 1000): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port || 6379) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    // +PONG, or -NOAUTH from a server with a password: either way a Redis is there.
    socket.once('data', (data) => done(/^[+-]/.test(data.toString())));
  });
}

export interface StartedRedis {
  stop(): Promise<void>;
}

/**
 * Redis at `url`; when none answers and `redis-server` is on PATH, one started here on that
 * port, loopback only, with its data (append-only file) under `dataDir`.
 */
export async function ensureRedis(url: string, dataDir: string, env: Env = process.env): Promise<StartedRedis | null> {
  if (await redisAnswers(url)) return null;
  const { hostname, port } = new URL(url);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(hostname)) {
    throw new MissingPrerequisite(`Redis is not answering at ${hostname}:${port || 6379} (REDIS_URL).`);
  }
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore', env }).status !== 0) {
    throw new MissingPrerequisite(
      `Redis is not answering at ${url} and redis-server is not installed; install it with: sudo apt-get install -y redis-server`,
    );
  }
  mkdirSync(dataDir, { recursive: true });
  const server: ChildProcess = spawn(
    'redis-server',
    [
      '--port',
      port || '6379',
      '--bind',
      '127.0.0.1',
      '--dir',
      dataDir,
      '--appendonly',
      'yes',
      '--save',
      '',
      '--maxmemory-policy',
      'noeviction',
    ],
    { stdio: 'ignore', env },
  );
  for (let i = 0; i < 50 && !(await redisAnswers(url, 200)); i++) await new Promise((r) => setTimeout(r, 100));
  if (!(await redisAnswers(url))) {
    server.kill();
    throw new MissingPrerequisite(`redis-server did not start on ${url}; see ${dataDir}.`);
  }
  return {
    async stop() {
      if (server.exitCode !== null) return;
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    },
  };
}
