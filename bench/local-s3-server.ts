/**
 * The local S3 server (s3rver behind its verifying front) in its own process for bench:edge, so
 * the edge, the S3 server and autocannon each have their own event loop. Prints its endpoint.
 */
import { startLocalS3 } from '../dev/local-s3';

startLocalS3({ directory: process.argv[2]!, bucket: process.argv[3]!, maxFormBytes: 1024 * 1024 }).then(
  (s3) => console.log(JSON.stringify({ endpoint: s3.endpoint })),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
