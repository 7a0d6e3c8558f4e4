/**
 * There is no Docker engine here: the production-like stack is checked as files. The compose
 * file parses, wires every Velvet process from the one Dockerfile, and every variable its
 * services read or interpolate is documented in .env.example.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const ROOT = join(__dirname, '../..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

interface Service {
  image?: string;
  build?: { context: string; target: string };
  command?: string[] | string;
  environment?: Record<string, string>;
  ports?: string[];
}

describe('docker-compose.yml and the Dockerfile', () => {
  const text = read('docker-compose.yml');
  const compose = parse(text, { merge: true }) as { services: Record<string, Service> };
  const services = compose.services;
  const documented = new Set([...read('.env.example').matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));

  it('runs postgres, redis, minio with its one-shot setup, and api, worker and edge from the Dockerfile', () => {
    expect(Object.keys(services).sort()).toEqual([
      'api',
      'edge',
      'keys',
      'minio',
      'minio-setup',
      'postgres',
      'redis',
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
    expect(services['minio-setup']!.image).toBe('minio/mc');
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
