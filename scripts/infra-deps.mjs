// infra/ is its own package (AWS CDK, its own lock file): install it when its node_modules is
// missing or no longer matches the lock, so `npm test` and the infra:* scripts work on a fresh clone.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const infra = join(dirname(fileURLToPath(import.meta.url)), '..', 'infra');
const locked = JSON.parse(readFileSync(join(infra, 'package-lock.json'), 'utf8')).packages;

function installedVersion(name) {
  try {
    return JSON.parse(readFileSync(join(infra, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

const stale = Object.entries(locked)
  .filter(([path, entry]) => path.startsWith('node_modules/') && !entry.optional)
  .some(([path, entry]) => installedVersion(path.slice('node_modules/'.length)) !== entry.version);
if (stale) {
  console.error('installing infra/ dependencies (npm ci --prefix infra)');
  execFileSync('npm', ['ci', '--prefix', infra, '--no-audit', '--no-fund'], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}
