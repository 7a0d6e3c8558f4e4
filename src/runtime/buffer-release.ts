// A young-generation GC per this many bytes streamed: a scavenge of the worker's 2 MB young
// generation costs well under a millisecond, 8 MiB of socket reads about 2 ms to receive.
const RELEASE_EVERY_BYTES = 8 * 1024 * 1024;

type Gc = (options: { type: 'minor' }) => void;
// Present only when Node runs with --expose-gc (the worker's start:worker flags); elsewhere the
// streams are left to V8's own triggers.
const gc = (globalThis as { gc?: Gc }).gc;
let sinceRelease = 0;

/**
 * Counts bytes a bulk stream passed, and frees the buffers it left behind as it goes. Every socket
 * or file read is a fresh buffer outside V8's heap; the objects pointing at them are a few hundred
 * bytes, so the young generation fills and is collected only after hundreds of MB have passed,
 * and V8's external-memory trigger waits for about 64 MB of them. Streaming a source (download,
 * the chunk jobs' loopback server, the audio reading a whole file) raised the worker's RSS by up
 * to that much; a collection every 8 MiB streamed, process-wide, frees them within a few MB
 * (docs/operations.md, "The worker's memory"). Call it from a 'data' listener added in the same
 * tick as the stream's consumer, so no chunk flows before the consumer is there.
 */
export function noteStreamed(bytes: number): void {
  if (!gc) return;
  sinceRelease += bytes;
  if (sinceRelease < RELEASE_EVERY_BYTES) return;
  sinceRelease = 0;
  gc({ type: 'minor' });
}
