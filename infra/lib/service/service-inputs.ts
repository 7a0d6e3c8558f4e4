import { readFileSync } from 'node:fs';
/** What the service stack (api, workers, data stores, alarms) is built from, checked. */
export interface ServiceInputs {
  /** `${INFRA_STACK_NAME}Service` unless INFRA_SERVICE_STACK_NAME names it. */
  readonly stackName: string;
  /** The api's regional ACM certificate (the load balancer's HTTPS listener). */
  readonly apiCertificateArn: string;
  /** An existing VPC and its subnets; absent: a new VPC over two availability zones. */
  readonly vpc: { readonly id: string; readonly publicSubnets: string[]; readonly privateSubnets: string[] } | null;
  readonly natGateways: number;
  readonly api: { readonly tasks: number; readonly cpu: number; readonly memoryMiB: number };
  readonly worker: {
    readonly minTasks: number;
    readonly maxTasks: number;
    readonly cpu: number;
    readonly memoryMiB: number;
    readonly spot: boolean;
    /** Waiting jobs per running task the scaling policy holds. */
    readonly backlogPerTask: number;
    readonly scratchGiB: number;
  };
  /** Images by reference; absent: CDK image assets built from the root Dockerfile's targets. */
  readonly images: { readonly api: string; readonly worker: string } | null;
  /** An existing database's RDS-format secret (host, port, dbname, username, password); absent: a new RDS. */
  readonly databaseSecretArn: string | null;
  readonly databaseInstanceClass: string;
  /** An existing Redis (rediss://host:port) and its auth token's secret; absent: a new ElastiCache. */
  readonly redis: { readonly url: string; readonly secretArn: string | null } | null;
  readonly cacheNodeType: string;
  readonly multiAz: boolean;
  /** Operator-made secrets; absent: named `<service stack>/cloudfront-private-key` and `<service stack>/jwt`. */
  readonly cloudfrontKeySecretArn: string | null;
  readonly jwtSecretArn: string | null;
  /** During a webhook sealing-key change: a secret holding the previous key(s), WEBHOOK_SECRET_KEY_PREVIOUS. */
  readonly previousWebhookKeySecretArn: string | null;
  readonly logRetentionDays: number;
  readonly alarmEmail: string | null;
  /** Further Velvet settings for the api and the worker (LADDER, JWT_ROLES_CLAIM, …), from INFRA_SETTINGS_FILE. */
  readonly settings: Readonly<Record<string, string>>;
}

export type Value = (name: string) => string | undefined;

/** Settings the stack itself gives the tasks, or secrets: never from INFRA_SETTINGS_FILE. */
const STACK_SETTINGS =
  /^(NODE_ENV|PORT|S3_.*|DATABASE_.*|REDIS_.*|CDN_BASE_URL|CLOUDFRONT_.*|COOKIE_DOMAIN|CORS_ORIGINS|PLAYBACK_BIND_IP|TRUST_PROXY|METRICS_EMF_.*|TRANSCODE_TMP_DIR|TRANSCODE_SHUTDOWN_GRACE_SECONDS|FFMPEG_MEMORY_LIMIT_MB|JWT_SECRET|JWT_JWKS_URL|JWT_ISSUER|JWT_AUDIENCE|WEBHOOK_SECRET_KEY.*|AWS_.*|ECS_.*|.*_FILE)$/;

const ACM_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const IMAGE = /^[a-z0-9.-]+(:\d+)?\/[a-z0-9._/-]+(:[A-Za-z0-9_.-]{1,128}|@sha256:[0-9a-f]{64})$/;
// Fargate's valid CPU units and the memory (MiB) each takes.
const FARGATE_MEMORY: Record<number, [number, number]> = {
  256: [512, 2048],
  512: [1024, 4096],
  1024: [2048, 8192],
  2048: [4096, 16384],
  4096: [8192, 30720],
  8192: [16384, 61440],
  16384: [32768, 122880],
};
// CloudWatch Logs accepts only these retention periods.
const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922];

/** Reads the service inputs, adding every problem to `problems`. */
export function readServiceInputs(
  value: Value,
  mediaStackName: string,
  problems: string[],
  resolvePath: (file: string) => string = (file) => file,
): ServiceInputs {
  const list = (name: string) =>
    value(name)
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean) ?? [];
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const text = value(name);
    if (text === undefined) return fallback;
    const n = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!(n >= min && n <= max)) problems.push(`${name}: "${text}" must be a whole number from ${min} to ${max}`);
    return Number.isNaN(n) ? fallback : n;
  };
  const flag = (name: string): boolean => {
    const text = value(name);
    if (text === undefined || /^(false|0)$/i.test(text)) return false;
    if (/^(true|1)$/i.test(text)) return true;
    problems.push(`${name}: must be true or false`);
    return false;
  };
  const secretArn = (name: string): string | null => {
    const text = value(name);
    if (text !== undefined && !SECRET_ARN.test(text))
      problems.push(`${name}: "${text.slice(0, 120)}" is not a Secrets Manager secret ARN`);
    return text ?? null;
  };

  const stackName = value('INFRA_SERVICE_STACK_NAME') ?? `${mediaStackName}Service`;
  if (!/^[A-Za-z][A-Za-z0-9-]{0,39}$/.test(stackName))
    problems.push(
      `INFRA_SERVICE_STACK_NAME: "${stackName.slice(0, 60)}" is not a stack name (a letter, then up to 39 letters, digits or -)`,
    );
  if (stackName === mediaStackName) problems.push('INFRA_SERVICE_STACK_NAME: must differ from INFRA_STACK_NAME');

  const apiCertificateArn = value('INFRA_API_CERTIFICATE_ARN') ?? '';
  if (!apiCertificateArn)
    problems.push(
      "INFRA_API_CERTIFICATE_ARN: required, an ACM certificate in the stacks' region for the api's host (the load balancer's HTTPS)",
    );
  else if (!ACM_ARN.test(apiCertificateArn))
    problems.push(`INFRA_API_CERTIFICATE_ARN: "${apiCertificateArn.slice(0, 120)}" is not an ACM certificate ARN`);

  const vpc = readVpc(
    value('INFRA_VPC_ID'),
    list('INFRA_PUBLIC_SUBNET_IDS'),
    list('INFRA_PRIVATE_SUBNET_IDS'),
    problems,
  );
  const api = {
    tasks: int('INFRA_API_TASKS', 2, 2, 100),
    ...readSize('INFRA_API', value, 512, 1024, problems),
  };
  const minTasks = int('INFRA_WORKER_MIN_TASKS', 0, 0, 100);
  const maxTasks = int('INFRA_WORKER_MAX_TASKS', 4, 1, 100);
  if (minTasks > maxTasks)
    problems.push(`INFRA_WORKER_MIN_TASKS: ${minTasks} is above INFRA_WORKER_MAX_TASKS (${maxTasks})`);
  const worker = {
    minTasks,
    maxTasks,
    ...readSize('INFRA_WORKER', value, 2048, 4096, problems),
    spot: flag('INFRA_WORKER_SPOT'),
    backlogPerTask: int('INFRA_WORKER_BACKLOG_PER_TASK', 2, 1, 1000),
    scratchGiB: int('INFRA_WORKER_SCRATCH_GIB', 50, 21, 200),
  };
  const images = readImages(value('INFRA_API_IMAGE'), value('INFRA_WORKER_IMAGE'), problems);
  const redisUrl = value('INFRA_REDIS_URL');
  const redisSecret = secretArn('INFRA_REDIS_SECRET_ARN');
  if (redisUrl && !/^rediss:\/\/[A-Za-z0-9.-]+(:\d+)?\/?$/.test(redisUrl))
    problems.push(
      `INFRA_REDIS_URL: "${redisUrl.slice(0, 120)}" must be rediss://host:port (TLS, no password: that goes in INFRA_REDIS_SECRET_ARN)`,
    );
  if (redisSecret && !redisUrl) problems.push('INFRA_REDIS_SECRET_ARN: only with INFRA_REDIS_URL (an existing Redis)');
  const retention = int('INFRA_LOG_RETENTION_DAYS', 30, 1, 3653);
  if (!RETENTION_DAYS.includes(retention))
    problems.push(
      `INFRA_LOG_RETENTION_DAYS: ${retention} is not a CloudWatch Logs retention (${RETENTION_DAYS.join(', ')})`,
    );
  const alarmEmail = value('INFRA_ALARM_EMAIL') ?? null;
  if (alarmEmail && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(alarmEmail))
    problems.push(`INFRA_ALARM_EMAIL: "${alarmEmail.slice(0, 120)}" is not an email address`);
  const databaseInstanceClass = value('INFRA_DATABASE_INSTANCE_CLASS') ?? 't4g.micro';
  if (!/^[a-z0-9]+\.[a-z0-9]+$/.test(databaseInstanceClass))
    problems.push(`INFRA_DATABASE_INSTANCE_CLASS: "${databaseInstanceClass}" is not an instance class (t4g.micro)`);
  const cacheNodeType = value('INFRA_CACHE_NODE_TYPE') ?? 'cache.t4g.micro';
  if (!/^cache\.[a-z0-9]+\.[a-z0-9]+$/.test(cacheNodeType))
    problems.push(`INFRA_CACHE_NODE_TYPE: "${cacheNodeType}" is not a node type (cache.t4g.micro)`);

  return {
    stackName,
    apiCertificateArn,
    vpc,
    natGateways: int('INFRA_NAT_GATEWAYS', 1, 1, 3),
    api,
    worker,
    images,
    databaseSecretArn: secretArn('INFRA_DATABASE_SECRET_ARN'),
    databaseInstanceClass,
    redis: redisUrl ? { url: redisUrl.replace(/\/$/, ''), secretArn: redisSecret } : null,
    cacheNodeType,
    multiAz: flag('INFRA_MULTI_AZ'),
    cloudfrontKeySecretArn: secretArn('INFRA_CLOUDFRONT_KEY_SECRET_ARN'),
    jwtSecretArn: secretArn('INFRA_JWT_SECRET_ARN'),
    previousWebhookKeySecretArn: secretArn('INFRA_PREVIOUS_WEBHOOK_KEY_SECRET_ARN'),
    logRetentionDays: retention,
    alarmEmail,
    settings: readSettings(value('INFRA_SETTINGS_FILE'), resolvePath, problems),
  };
}

/** A .env-style file (NAME=value per line, # comments): the Velvet settings both services take. */
function readSettings(
  file: string | undefined,
  resolvePath: (file: string) => string,
  problems: string[],
): Record<string, string> {
  if (!file) return {};
  let text: string;
  try {
    text = readFileSync(resolvePath(file), 'utf8');
  } catch {
    problems.push(`INFRA_SETTINGS_FILE: ${file} cannot be read`);
    return {};
  }
  const settings: Record<string, string> = {};
  text.split(/\r?\n/).forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(trimmed);
    if (!match) {
      problems.push(`INFRA_SETTINGS_FILE: line ${i + 1} is not NAME=value`);
      return;
    }
    const [, name, raw] = match as unknown as [string, string, string];
    if (STACK_SETTINGS.test(name)) {
      problems.push(
        `INFRA_SETTINGS_FILE: line ${i + 1}: ${name} is set by the stack or is a secret (Secrets Manager, docs/aws.md)`,
      );
      return;
    }
    settings[name] = raw.replace(/^(["'])(.*)\1$/, '$2');
  });
  return settings;
}

/** Every service input's name, for the environment-or-context lookup. */
export const SERVICE_INPUT_NAMES = [
  'INFRA_SERVICE_STACK_NAME',
  'INFRA_API_CERTIFICATE_ARN',
  'INFRA_VPC_ID',
  'INFRA_PUBLIC_SUBNET_IDS',
  'INFRA_PRIVATE_SUBNET_IDS',
  'INFRA_NAT_GATEWAYS',
  'INFRA_API_TASKS',
  'INFRA_API_CPU',
  'INFRA_API_MEMORY',
  'INFRA_WORKER_MIN_TASKS',
  'INFRA_WORKER_MAX_TASKS',
  'INFRA_WORKER_CPU',
  'INFRA_WORKER_MEMORY',
  'INFRA_WORKER_SPOT',
  'INFRA_WORKER_BACKLOG_PER_TASK',
  'INFRA_WORKER_SCRATCH_GIB',
  'INFRA_API_IMAGE',
  'INFRA_WORKER_IMAGE',
  'INFRA_DATABASE_SECRET_ARN',
  'INFRA_DATABASE_INSTANCE_CLASS',
  'INFRA_REDIS_URL',
  'INFRA_REDIS_SECRET_ARN',
  'INFRA_CACHE_NODE_TYPE',
  'INFRA_MULTI_AZ',
  'INFRA_CLOUDFRONT_KEY_SECRET_ARN',
  'INFRA_JWT_SECRET_ARN',
  'INFRA_PREVIOUS_WEBHOOK_KEY_SECRET_ARN',
  'INFRA_LOG_RETENTION_DAYS',
  'INFRA_ALARM_EMAIL',
  'INFRA_SETTINGS_FILE',
] as const;

function readVpc(
  id: string | undefined,
  publicSubnets: string[],
  privateSubnets: string[],
  problems: string[],
): ServiceInputs['vpc'] {
  if (!id) {
    if (publicSubnets.length > 0 || privateSubnets.length > 0)
      problems.push('INFRA_PUBLIC_SUBNET_IDS, INFRA_PRIVATE_SUBNET_IDS: only with INFRA_VPC_ID (an existing VPC)');
    return null;
  }
  if (!/^vpc-[0-9a-f]{8,17}$/.test(id)) problems.push(`INFRA_VPC_ID: "${id.slice(0, 60)}" is not a VPC id`);
  for (const [name, subnets] of [
    ['INFRA_PUBLIC_SUBNET_IDS', publicSubnets],
    ['INFRA_PRIVATE_SUBNET_IDS', privateSubnets],
  ] as const) {
    // A load balancer, a database subnet group and a cache subnet group each need two zones.
    if (subnets.length < 2)
      problems.push(`${name}: with INFRA_VPC_ID, at least two subnet ids (in two availability zones)`);
    const bad = subnets.filter((s) => !/^subnet-[0-9a-f]{8,17}$/.test(s));
    if (bad.length > 0) problems.push(`${name}: ${bad.join(', ')}: not subnet ids`);
  }
  return { id, publicSubnets, privateSubnets };
}

function readSize(
  prefix: 'INFRA_API' | 'INFRA_WORKER',
  value: Value,
  cpuDefault: number,
  memoryDefault: number,
  problems: string[],
): { cpu: number; memoryMiB: number } {
  const cpuText = value(`${prefix}_CPU`);
  const memoryText = value(`${prefix}_MEMORY`);
  const cpu = cpuText === undefined ? cpuDefault : Number(cpuText);
  const memoryMiB = memoryText === undefined ? memoryDefault : Number(memoryText);
  const range = FARGATE_MEMORY[cpu];
  if (!range) {
    problems.push(`${prefix}_CPU: "${cpuText}" is not a Fargate CPU size (${Object.keys(FARGATE_MEMORY).join(', ')})`);
  } else if (
    !Number.isInteger(memoryMiB) ||
    memoryMiB < range[0] ||
    memoryMiB > range[1] ||
    (memoryMiB % 1024 !== 0 && memoryMiB !== 512)
  ) {
    problems.push(
      `${prefix}_MEMORY: "${memoryText ?? memoryMiB}" MiB does not go with ${cpu} CPU units on Fargate (${range[0]} to ${range[1]}, in steps of 1024)`,
    );
  }
  return { cpu, memoryMiB };
}

function readImages(api: string | undefined, worker: string | undefined, problems: string[]): ServiceInputs['images'] {
  if (!api && !worker) return null;
  if (!api || !worker) {
    problems.push(
      'INFRA_API_IMAGE, INFRA_WORKER_IMAGE: set both (pushed images of the api and worker targets) or neither',
    );
    return null;
  }
  for (const [name, image] of [
    ['INFRA_API_IMAGE', api],
    ['INFRA_WORKER_IMAGE', worker],
  ] as const) {
    if (!IMAGE.test(image))
      problems.push(
        `${name}: "${image.slice(0, 200)}" must be a registry image with a tag or digest (123456789012.dkr.ecr.eu-west-1.amazonaws.com/velvet:1.4.0-api)`,
      );
  }
  return { api, worker };
}
