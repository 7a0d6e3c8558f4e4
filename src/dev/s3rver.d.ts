// @20minutes/s3rver ships no types; only the constructor, run() and close() are used.
declare module '@20minutes/s3rver' {
  import type { AddressInfo } from 'node:net';
  export default class S3rver {
    constructor(options: Record<string, unknown>);
    /** Resolves with the listening address once the configured buckets exist. */
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
  }
}
