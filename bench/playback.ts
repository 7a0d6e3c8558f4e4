/**
 * npm run bench:playback: in one run, autocannon against (a) a bare Fastify route returning a
 * small JSON and (b) POST /v1/videos/{id}/playback-sessions for an entitled viewer of a paid
 * video, each with 1 and 50 connections. (b) comes twice: a viewer entitled by a grant (one
 * PostgreSQL query per session) and a subscriber entitled by a token claim (none while the video
 * is hot), and a collector entitled by a grant on a collection holding the video; grants come from
 * the in-process entitlement cache once read. Prints requests per second, p99 latency and b/a. The servers run in a child process
 * (bench/playback-servers.ts), autocannon here.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);

async function run(url: string, connections: number, options: Partial<autocannon.Options> = {}) {
  const result = await autocannon({ url, connections, duration: SECONDS, ...options });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, p99: result.latency.p99 };
}

async function main(): Promise<void> {
  const servers = spawn(
    process.execPath,
    ['--openssl-legacy-provider', '-r', './scripts/ts-register.js', 'bench/playback-servers.ts'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    const [line] = (await once(createInterface({ input: servers.stdout! }), 'line')) as [string];
    const { bareUrl, copyUrl, copyBytes, sessionUrl, viewerToken, subscriberToken, collectorToken } = JSON.parse(
      line,
    ) as Record<string, string>;
    const session = (token: string) => ({ method: 'POST' as const, headers: { authorization: `Bearer ${token}` } });
    const figure = (label: string, r: { rps: number; p99: number }) =>
      `${label} ${r.rps.toFixed(0).padStart(6)} req/s p99 ${String(r.p99).padStart(3)} ms`;
    const rows: string[] = [];
    for (const connections of [1, 50]) {
      const a = await run(bareUrl!, connections);
      const copied = await run(copyUrl!, connections, { method: 'POST' });
      const granted = await run(sessionUrl!, connections, session(viewerToken!));
      const subscribed = await run(sessionUrl!, connections, session(subscriberToken!));
      const collected = await run(sessionUrl!, connections, session(collectorToken!));
      rows.push(
        `${String(connections).padStart(3)} conn | ${figure('(a) bare', a)} | ${figure("(a') bare, a session's bytes", copied)} a'/a ${(copied.rps / a.rps).toFixed(3)} | ` +
          `grant b/a' ${(granted.rps / copied.rps).toFixed(3)} | ${figure('(b) grant', granted)} b/a ${(granted.rps / a.rps).toFixed(3)} | ` +
          `${figure('(b) claim', subscribed)} b/a ${(subscribed.rps / a.rps).toFixed(3)} | ${figure('(b) collection', collected)} b/a ${(collected.rps / a.rps).toFixed(3)}`,
      );
    }
    console.log(
      `\n${SECONDS} s per measurement (target at 50 connections: b/a ≥ 0.5); (a') answers a copy of one session, ${copyBytes} bytes of body and cookies`,
    );
    for (const row of rows) console.log(row);
  } finally {
    servers.kill('SIGKILL');
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
