import '../runtime/require-supported-node';
import { parseArgs } from 'node:util';
import { AwsDeploymentReader } from '../adapters/aws/aws.deployment-reader';
import { AwsServiceReader } from '../adapters/aws/aws.service-reader';
import { ConfigError } from '../config/config';
import { loadDotEnv } from '../config/dotenv';
import { formatLine } from './doctor-check';
import { runDoctor } from './doctor';
import { loadDoctorConfig } from './doctor.config';

const USAGE = `usage: npm run doctor -- --video <id of a ready video> [--object poster.jpg] [--origin https://app.example.com]
                     [--service-stack VelvetMediaService] [--api https://api.example.com] [--no-aws] [--json]

Checks a live deployment from outside with Velvet's own configuration (.env and the environment):
HTTPS probes of the CDN signed with Velvet's key, then, when AWS credentials are present, read-only
CloudFront and S3 API checks, and with --service-stack (or DOCTOR_SERVICE_STACK) the service stack:
the api's /readyz through its load balancer (--api names the api's own host), its tasks and the
worker's (up, so their secrets resolved), the worker's scaling policy and the queue's backlog.
Nothing is written anywhere. Exit status 1 on any failure.`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      video: { type: 'string' },
      object: { type: 'string' },
      origin: { type: 'string' },
      'service-stack': { type: 'string' },
      api: { type: 'string' },
      json: { type: 'boolean', default: false },
      'no-aws': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  loadDotEnv();
  const videoId = values.video ?? process.env.DOCTOR_VIDEO_ID;
  if (!videoId) {
    console.error(`--video is required (or DOCTOR_VIDEO_ID)\n\n${USAGE}`);
    return 2;
  }
  const config = loadDoctorConfig(process.env);
  const reader = values['no-aws']
    ? { skip: '--no-aws' }
    : config.s3.endpoint
      ? // A local S3 stand-in has no AWS APIs behind it to read.
        { skip: `S3_ENDPOINT is set (${config.s3.endpoint}): not an AWS deployment` }
      : AwsDeploymentReader.create(config.s3.region);
  const serviceStack = values['service-stack'] ?? process.env.DOCTOR_SERVICE_STACK;
  const service = serviceStack
    ? {
        reader: AwsServiceReader.create(config.s3.region),
        target: { stackName: serviceStack, apiUrl: values.api ?? process.env.DOCTOR_API_URL },
      }
    : undefined;
  const report = await runDoctor({
    config,
    videoId,
    objectPath: values.object,
    origin: values.origin,
    reader,
    service,
  });
  if (values.json) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    for (const check of report.checks) console.log(formatLine(check));
    for (const note of report.skipped) console.log(`skipped: ${note}`);
    const count = (status: string) => report.checks.filter((c) => c.status === status).length;
    console.log(`\n${count('pass')} passed, ${count('warn')} warnings, ${count('fail')} failed`);
  }
  return report.ok ? 0 : 1;
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : error instanceof Error ? error.message : error);
    process.exitCode = 2;
  },
);
