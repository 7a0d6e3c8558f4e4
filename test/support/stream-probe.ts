/**
 * Child process of buffer-release.int-spec: streams 256 MiB over loopback HTTP into a sink and
 * prints the peak of Node's ArrayBuffer memory in MiB; with `note`, as the worker's streams do.
 */
import { createServer, get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { noteStreamed } from '../../src/runtime/buffer-release';

// One buffer written over and over: the server side allocates nothing per write.
const piece = Buffer.alloc(1024 * 1024, 7);
const server = createServer((_req, res) => {
  let left = 256;
  const more = () => {
    while (left > 0) {
      left--;
      if (!res.write(piece)) return void res.once('drain', more);
    }
    res.end();
  };
  more();
});

async function measure(): Promise<void> {
  let peak = 0;
  const sink = new Writable({
    write(_chunk, _encoding, done) {
      peak = Math.max(peak, process.memoryUsage().arrayBuffers);
      done();
    },
  });
  const { port } = server.address() as AddressInfo;
  const res = await new Promise<IncomingMessage>((resolve) => get(`http://127.0.0.1:${port}/`, resolve));
  if (process.argv[2] === 'note') res.on('data', (chunk: Buffer) => noteStreamed(chunk.length));
  await pipeline(res, sink);
  console.log((peak / 1024 / 1024).toFixed(1));
  server.close();
}

server.listen(0, '127.0.0.1', () => void measure());
