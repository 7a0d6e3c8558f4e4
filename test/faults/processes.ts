/**
 * The real processes of the fault run, each started, killed and restarted by the run: a
 * PostgreSQL cluster of its own (initdb in a temp folder), Redis with AOF and noeviction, the S3
 * server, and Velvet's built api, worker and edge. Everything listens on 127.0.0.1 only, and
 * every process is stopped when the run ends.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, createWriteStream, mkdirSync, readdirSync } from 'node:fs';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { workerNodeFlags } from '../../dev/worker-command';

const ROOT = join(__dirname, '../..');

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `ready` resolves true, or throws after `seconds`. */
export async function until(what: string, ready: () => Promise<boolean>, seconds: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await ready().catch(() => false)) return Date.now() - started;
    if (Date.now() - started > seconds * 1000) throw new Error(`${what} not ready after ${seconds} s`);
    await sleep(100);
  }
}

/** One restartable child process, its output appended to a log file. */
export class Proc {
  private child: ChildProcess | null = null;
  private output = '';

  constructor(
    readonly name: string,
    private readonly command: string,
    private readonly args: readonly string[],
    private readonly options: { env?: Record<string, string>; logDir: string; uid?: number; gid?: number },
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): ChildProcess {
    const log = createWriteStream(join(this.options.logDir, `${this.name}.log`), { flags: 'a' });
    const child = spawn(this.command, [...this.args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...this.options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      uid: this.options.uid,
      gid: this.options.gid,
    });
    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(log, { end: false });
    this.output = '';
    // The last few kilobytes of this start's output, for waitFor.
    const keep = (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-8192));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.once('exit', () => log.end());
    this.child = child;
    return child;
  }

  /** The first line the process prints (servers that announce their address). */
  async firstLine(): Promise<string> {
    const child = this.child!;
    const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
    return line;
  }

  /** Resolves once this start's output shows `pattern`. */
  waitFor(pattern: RegExp, seconds: number): Promise<number> {
    return until(`${this.name}: ${pattern}`, async () => pattern.test(this.output), seconds);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}

/** initdb refuses root: the cluster belongs to the `postgres` user then. */
function postgresOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  return {
    uid: Number(execFileSync('id', ['-u', 'postgres']).toString().trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres']).toString().trim()),
  };
}

function postgresBin(tool: string): string {
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error('no PostgreSQL under /usr/lib/postgresql (apt-get install postgresql)');
  return join('/usr/lib/postgresql', versions[0]!, 'bin', tool);
}

/** A cluster of the run's own: restarting it touches no other database on the machine. */
export function postgresCluster(dir: string, port: number, logDir: string): Proc {
  const owner = postgresOwner();
  const data = join(dir, 'pgdata');
  mkdirSync(dir, { recursive: true });
  if (owner) {
    chownSync(dir, owner.uid, owner.gid);
    // The postgres user must reach its folder through the run's (root-owned, private) temp folder.
    chmodSync(dirname(dir), 0o755);
  }
  execFileSync(postgresBin('initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-N', '-E', 'UTF8'], {
    stdio: 'pipe',
    uid: owner?.uid,
    gid: owner?.gid,
  });
  return new Proc(
    'postgres',
    postgresBin('postgres'),
    ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    {
      logDir,
      ...owner,
    },
  );
}

/** Redis as production runs it: every write in the AOF, refusing writes rather than evicting keys. */
export function redisServer(dir: string, port: number, logDir: string): Proc {
  mkdirSync(dir, { recursive: true });
  return new Proc(
    'redis',
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--save',
      '',
      '--maxmemory',
      '1gb',
      '--maxmemory-policy',
      'noeviction',
    ],
    { logDir },
  );
}

const TS = ['--openssl-legacy-provider', '-r', './scripts/ts-register.js'];

/** The S3 server (s3rver behind its verifying front) in its own process; prints its endpoint. */
export function s3Server(dir: string, bucket: string, logDir: string): Proc {
  return new Proc('s3', process.execPath, [...TS, 'test/faults/s3-server.ts', dir, bucket], { logDir });
}

/** Velvet's own processes, from the build (`npm run build`), as `npm run start:*` runs them. */
export function velvet(
  name: string,
  entry: 'api' | 'worker' | 'edge',
  env: Record<string, string>,
  logDir: string,
): Proc {
  const file = { api: 'dist/src/main.js', worker: 'dist/worker/main.js', edge: 'dist/src/edge/main.js' }[entry];
  const flags = entry === 'worker' ? workerNodeFlags() : [];
  return new Proc(name, process.execPath, ['--openssl-legacy-provider', ...flags, file], { env, logDir });
}
