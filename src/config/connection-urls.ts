/**
 * Where PostgreSQL and Redis are, from a URL or from parts. On ECS the passwords (and, for a
 * database given by an RDS-format secret, every part) arrive as separate secrets: a URL with a
 * password in it would have to sit in the task definition in plain text.
 */
export interface DatabaseParts {
  readonly DATABASE_URL?: string;
  readonly DATABASE_HOST?: string;
  readonly DATABASE_PORT?: number;
  readonly DATABASE_NAME?: string;
  readonly DATABASE_USER?: string;
  readonly DATABASE_PASSWORD?: string;
  readonly DATABASE_SSLMODE?: string;
}

/** DATABASE_URL as given, or built from DATABASE_HOST and the rest; the password added when given apart. */
export function databaseUrl(parts: DatabaseParts): string | undefined {
  const base = parts.DATABASE_URL ?? (parts.DATABASE_HOST ? hostUrl(parts.DATABASE_HOST, parts) : undefined);
  if (!base) return undefined;
  const url = new URL(base);
  if (parts.DATABASE_PASSWORD) url.password = encodeURIComponent(parts.DATABASE_PASSWORD);
  if (parts.DATABASE_SSLMODE) url.searchParams.set('sslmode', parts.DATABASE_SSLMODE);
  return url.toString();
}

function hostUrl(host: string, parts: DatabaseParts): string {
  const url = new URL('postgres://localhost');
  url.hostname = host;
  if (parts.DATABASE_PORT) url.port = String(parts.DATABASE_PORT);
  if (parts.DATABASE_USER) url.username = encodeURIComponent(parts.DATABASE_USER);
  url.pathname = `/${encodeURIComponent(parts.DATABASE_NAME ?? 'postgres')}`;
  return url.toString();
}

/** REDIS_URL with REDIS_PASSWORD (an ElastiCache auth token) put in, when it is given apart. */
export function redisUrl(url: string, password: string | undefined): string {
  if (!password) return url;
  const parsed = new URL(url);
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}
