/**
 * The fault run's S3 server (s3rver behind its verifying front) in its own process, so its load
 * does not share the run's event loop. Prints its endpoint as one JSON line.
 */
import { startLocalS3 } from '../../dev/local-s3';

startLocalS3({ directory: process.argv[2]!, bucket: process.argv[3]!, maxFormBytes: 64 * 1024 * 1024 }).then(
  (s3) => console.log(JSON.stringify({ endpoint: s3.endpoint })),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
