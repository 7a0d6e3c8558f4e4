/**
 * There is no Docker engine here: the production-like stack is checked as files. The compose
 * file parses, wires every Velvet process from the one Dockerfile, and every variable its
 * services read or interpolate is documented in .env.example.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { workerNodeFlags } from '../../dev/worker-command';

const ROOT = join(__dirname, '../..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

interface Service {
  image?: string;
  build?: { context: string; target: string };
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, string>;
  ports?: string[];
  restart?: string;
  healthcheck?: { test: string[] };
  secrets?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
}

interface Compose {
  services: Record<string, Service>;
  secrets: Record<string, { environment?: string; file?: string }>;
  volumes: Record<string, unknown>;
}

describe('docker-compose.yml and the Dockerfile', () => {
  const text = read('docker-compose.yml');
  // Strict: a duplicated key or a dangling anchor fails here as it would in compose.
  const compose = parse(text, { merge: true, uniqueKeys: true, strict: true }) as Compose;
  const services = compose.services;
  const documented = new Set([...read('.env.example').matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));

  it('runs postgres, redis, SeaweedFS with its one-shot setup, the secrets maker, and api, worker and edge from the Dockerfile', () => {
    expect(Object.keys(services).sort()).toEqual([
      'api',
      'edge',
      'postgres',
      'redis',
      'seaweedfs',
      'secrets',
      'storage-setup',
      'worker',
    ]);
    const stages = [...read('Dockerfile').matchAll(/^FROM \S+ AS (\S+)/gm)].map((m) => m[1]);
    for (const name of ['api', 'worker', 'edge']) {
      expect(services[name]!.build).toEqual({ context: '.', target: name });
      expect(stages).toContain(name);
    }
    expect(read('Dockerfile')).toMatch(
      /FROM runtime AS worker[\s\S]*apt-get install -y --no-install-recommends ffmpeg/,
    );
  });

  it('starts the worker in its image as npm run start:worker does, with the same node flags', () => {
    const cmd = /FROM runtime AS worker[\s\S]*?^CMD (\[.*\])$/m.exec(read('Dockerfile'))![1]!;
    expect(JSON.parse(cmd)).toEqual(['node', ...workerNodeFlags(), 'dist/worker/main.js']);
    // A young generation of a few MB: docs/operations.md, "The worker's memory".
    expect(workerNodeFlags()).toContain('--max-semi-space-size=2');
    // Streams free their buffers as they go: src/runtime/buffer-release.ts.
    expect(workerNodeFlags()).toContain('--expose-gc');
  });

  it('names images that exist: pinned tags, no MinIO (its images left Docker Hub)', () => {
    const images = Object.values(services).flatMap((s) => (s.image ? [s.image] : []));
    expect(images.sort()).toEqual(['chrislusf/seaweedfs:4.48', 'chrislusf/seaweedfs:4.48', 'postgres:16', 'redis:7']);
    for (const image of images) expect(image).toMatch(/:[0-9]/);
    expect(JSON.stringify(compose)).not.toMatch(/minio/i);
  });

  it('restarts the long-running services, runs the one-shots once, and checks the health of what others wait on', () => {
    for (const [name, service] of Object.entries(services)) {
      const oneShot = ['secrets', 'storage-setup'].includes(name);
      expect([name, service.restart]).toEqual([name, oneShot ? 'no' : 'unless-stopped']);
    }
    // Velvet's images carry their own HEALTHCHECK (the Dockerfile); the others declare one here.
    for (const name of ['postgres', 'redis', 'seaweedfs'])
      expect(services[name]!.healthcheck?.test.length).toBeGreaterThan(1);
    for (const [name, service] of Object.entries(services))
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect([name, dependency, Boolean(services[dependency])]).toEqual([name, dependency, true]);
        if (condition === 'service_healthy')
          expect(Boolean(services[dependency]!.healthcheck || services[dependency]!.build)).toBe(true);
        if (condition === 'service_completed_successfully') expect(services[dependency]!.restart).toBe('no');
      }
  });

  it('gives each Velvet service its own S3 key and no root credential, and its secrets as compose secrets (files)', () => {
    const velvet = ['api', 'worker', 'edge'];
    for (const name of velvet) {
      const env = services[name]!.environment!;
      expect(env.AWS_ACCESS_KEY_ID).toBeUndefined();
      expect(env.AWS_SECRET_ACCESS_KEY).toBeUndefined();
      expect(env.AWS_SHARED_CREDENTIALS_FILE).toBe('/secrets/s3.credentials');
      // Its own volume of secrets, read-only, and no other service's.
      const own = (services[name]!.volumes ?? []).filter((v) => v.startsWith('secrets-'));
      expect(own).toEqual([`secrets-${name}:/secrets:ro`]);
      // No secret value in the environment: only paths to files.
      for (const [key, value] of Object.entries(env))
        if (/SECRET|PASSWORD|PRIVATE_KEY/.test(key)) expect([key, value]).toEqual([key, expect.stringMatching(/^\//)]);
    }
    expect(services.api!.environment!.JWT_SECRET_FILE).toBe('/run/secrets/jwt_secret');
    expect(services.api!.secrets!.sort()).toEqual(['jwt_secret', 'postgres_password', 'webhook_secret_key']);
    expect(services.worker!.secrets!.sort()).toEqual(['postgres_password', 'webhook_secret_key']);
    // The edge reads objects: no database, no webhook key, no token secret.
    expect(services.edge!.secrets).toBeUndefined();
    expect(services.edge!.environment!.DATABASE_URL).toBeUndefined();
    expect(compose.secrets).toEqual({
      jwt_secret: { environment: 'JWT_SECRET' },
      webhook_secret_key: { environment: 'WEBHOOK_SECRET_KEY' },
      postgres_password: { environment: 'POSTGRES_PASSWORD' },
    });
    for (const service of Object.values(services)) {
      for (const secret of service.secrets ?? []) expect(compose.secrets[secret]).toBeDefined();
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (!source.startsWith('.')) expect([source, compose.volumes[source] !== undefined]).toEqual([source, true]);
      }
    }
  });

  it("makes the services' keys with grants that match what each does (the edge only reads)", async () => {
    const { mkdtempSync, mkdirSync, readFileSync: readText } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { execFileSync } = await import('node:child_process');
    // The one-shot's script, run as compose runs it but into a temporary folder standing for the volumes.
    const root = mkdtempSync(join(tmpdir(), 'velvet-compose-secrets-'));
    for (const dir of ['api', 'worker', 'edge', 'storage']) mkdirSync(join(root, dir));
    const script = read('deploy/compose-secrets.mjs').replace(
      "const ROOT = '/secrets';",
      `const ROOT = ${JSON.stringify(root)};`,
    );
    const run = () => execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(run()).toMatch(/made \(velvet-api, velvet-worker, velvet-edge\)/);
    const identities = JSON.parse(readText(join(root, 'storage/s3.json'), 'utf8')).identities;
    expect(identities.map((i: any) => [i.name, i.actions])).toEqual([
      ['velvet-api', ['Read:velvet-media', 'Write:velvet-media', 'List:velvet-media']],
      ['velvet-worker', ['Read:velvet-media', 'Write:velvet-media', 'List:velvet-media']],
      ['velvet-edge', ['Read:velvet-media']],
    ]);
    const keys = identities.map((i: any) => i.credentials[0].accessKey);
    expect(new Set(keys).size).toBe(3);
    expect(readText(join(root, 'edge/s3.credentials'), 'utf8')).toContain(`aws_access_key_id = ${keys[2]}`);
    expect(readText(join(root, 'api/cloudfront-private.pem'), 'utf8')).toMatch(/BEGIN PRIVATE KEY/);
    // Run again (a restart), it keeps what it made.
    expect(run()).toMatch(/already made/);
    expect(JSON.parse(readText(join(root, 'storage/s3.json'), 'utf8')).identities[0].credentials[0].accessKey).toBe(
      keys[0],
    );
  });

  it('builds every image on Node 24 (the line package.json requires), without downloading the npm-installed Node', () => {
    const dockerfile = read('Dockerfile');
    // One base, a build argument defaulting to Docker Hub's image (a stand-in can be named instead).
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24-bookworm-slim$/m);
    expect(
      [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]!).filter((b) => !/^(build|runtime)$/.test(b)),
    ).toEqual(['${NODE_IMAGE}', '${NODE_IMAGE}']);
    expect(JSON.parse(read('package.json')).engines.node).toBe('>=24');
    // node-linux-* is an optional dependency: never fetched, so nothing to delete.
    expect(dockerfile).toMatch(/npm ci --omit=optional/);
    expect(dockerfile).not.toMatch(/rm -rf node_modules\/node-linux/);
  });

  it('runs each process under an init, as a non-root user, with a health check; the worker scratch on a volume', () => {
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toMatch(/ENTRYPOINT \["\/usr\/bin\/tini", "--"\]/);
    expect(dockerfile).toMatch(/^USER node$/m);
    const stages = dockerfile.split(/^FROM /m);
    for (const target of ['api', 'edge', 'worker']) {
      const stage = stages.find((s) => s.startsWith(`runtime AS ${target}`))!;
      expect(stage).toMatch(/^HEALTHCHECK .*\\\n\s+CMD \["node", "-e"/m);
    }
    expect(dockerfile).toMatch(/VOLUME \/scratch/);
    expect(dockerfile).toMatch(/TRANSCODE_TMP_DIR=\/scratch/);
    const ignored = read('.dockerignore').split('\n');
    for (const path of ['**/node_modules', 'infra', 'test', '.git']) expect(ignored).toContain(path);
  });

  it('keeps Redis persistent and never evicting (BullMQ keys)', () => {
    const command = services.redis!.command as string[];
    expect(command.join(' ')).toContain('--appendonly yes');
    expect(command.join(' ')).toContain('--maxmemory-policy noeviction');
  });

  it('publishes ports on loopback only', () => {
    for (const service of Object.values(services))
      for (const port of service.ports ?? []) expect(port).toMatch(/^127\.0\.0\.1:/);
  });

  it('documents in .env.example every variable the Velvet services use', () => {
    const velvet = Object.entries(services).filter(([, s]) => s.build);
    const used = new Set([
      ...velvet.flatMap(([, s]) => Object.keys(s.environment ?? {})),
      ...[...text.matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!),
    ]);
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((name) => !documented.has(name))).toEqual([]);
  });
});
