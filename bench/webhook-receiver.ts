/**
 * bench:webhooks' receiver, in its own process so it never shares an event loop with the worker:
 * answers every POST 200 and prints `<arrival ms> <title>` for each, after one line with its URL.
 */
import { createServer } from 'node:http';

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const at = Date.now();
    res.writeHead(200).end();
    const body = Buffer.concat(chunks).toString('utf8');
    const title = /"title":"([^"]*)"/.exec(body)?.[1] ?? '-';
    process.stdout.write(`${at} ${title}\n`);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () =>
  process.stdout.write(`http://127.0.0.1:${(server.address() as { port: number }).port}/hook\n`),
);
process.on('SIGTERM', () => process.exit(0));
