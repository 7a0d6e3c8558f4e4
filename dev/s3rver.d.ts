// @20minutes/s3rver ships no types; only the constructor, run(), close() and its server are used.
declare module '@20minutes/s3rver' {
  import type { Server } from 'node:http';
  import type { AddressInfo } from 'node:net';
  export default class S3rver {
    constructor(options: Record<string, unknown>);
    /** Resolves with the listening address once the configured buckets exist. */
    run(): Promise<AddressInfo>;
    /** Waits for every open connection to end. */
    close(): Promise<void>;
    /** Set by run(). */
    readonly httpServer?: Server;
  }
}
