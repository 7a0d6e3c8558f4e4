import { readFileSync } from 'node:fs';

/**
 * Settings that may come from a file instead, as NAME_FILE: compose and Kubernetes mount secrets
 * as files (/run/secrets/…), so the value never sits in the process environment or `inspect`.
 * CLOUDFRONT_PRIVATE_KEY_FILE has its own handling (a PEM, read where the key is checked).
 */
export const FILE_SETTINGS = [
  'JWT_SECRET',
  'WEBHOOK_SECRET_KEY',
  'WEBHOOK_SECRET_KEY_PREVIOUS',
  'DATABASE_PASSWORD',
  'REDIS_PASSWORD',
] as const;

/** The environment with each NAME_FILE read into NAME (one trailing newline dropped). */
export function readSecretFiles(
  source: Record<string, string | undefined>,
  problems: string[],
): Record<string, string | undefined> {
  const out = { ...source };
  for (const name of FILE_SETTINGS) {
    const file = source[`${name}_FILE`];
    if (!file) continue;
    delete out[`${name}_FILE`];
    if (source[name]) {
      problems.push(`${name}_FILE: set it or ${name}, not both`);
      continue;
    }
    try {
      out[name] = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch {
      // The path only: the file's content is a secret, and so may be its error.
      problems.push(`${name}_FILE: ${file} cannot be read`);
    }
  }
  return out;
}
