import '../runtime/require-supported-node';
import { createS3Clients } from '../adapters/s3/s3-clients';
import { S3ObjectStorage } from '../adapters/s3/s3.object-storage';
import { loadDotEnv } from '../config/dotenv';
import { loadEdgeConfig } from './edge.config';
import { createEdgeServer } from './edge.server';

/** `npm run start:edge`: the CloudFront stand-in in front of the S3 origin (development and tests). */
function main(): void {
  loadDotEnv();
  const config = loadEdgeConfig(process.env);
  const storage = new S3ObjectStorage(createS3Clients(config.s3), config.s3.bucket);
  const server = createEdgeServer({
    publicUrl: config.publicUrl,
    trustedKeys: config.trustedKeys,
    corsOrigins: config.corsOrigins,
    storage,
    warn: (m) => console.warn(`edge: ${m}`),
  });
  // Loopback by default: this stand-in is never an internet-facing CDN.
  server.listen(config.port, config.host, () =>
    console.log(`edge on http://${config.host}:${config.port} as ${config.publicUrl}`),
  );
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

try {
  main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
