/**
 * How the fault run's clients talk to the two api instances: round robin, the other instance on a
 * refused connection, a few tries after a 503 (honouring Retry-After, as an SDK would). Every
 * answer is tallied, and every answer the run forbids is kept as a violation: a 5xx other than
 * 503, an error that is not problem+json, a 503 without Retry-After, or no answer within
 * REQUEST_TIMEOUT_SECONDS (plus a margin for the network).
 */
export interface Answer {
  readonly status: number;
  readonly json: any;
  readonly headers: Headers;
}

export class Tally {
  readonly answers = new Map<string, number>();
  readonly violations: string[] = [];
  readonly connectionErrors = { api: 0, storage: 0, edge: 0 };

  count(key: string): void {
    this.answers.set(key, (this.answers.get(key) ?? 0) + 1);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class ApiClient {
  private next = 0;

  constructor(
    private readonly bases: readonly string[],
    private readonly tally: Tally,
    private readonly requestTimeoutSeconds: number,
  ) {}

  /** The answer, or null when no instance answered in a few tries (counted, not a violation). */
  async call(method: string, path: string, token: string | null, body?: unknown, tries = 6): Promise<Answer | null> {
    for (let attempt = 0; attempt < tries; attempt++) {
      const base = this.bases[this.next++ % this.bases.length]!;
      const started = Date.now();
      let res: Response;
      try {
        res = await fetch(`${base}${path}`, {
          method,
          headers: {
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout((this.requestTimeoutSeconds + 5) * 1000),
        });
      } catch (error) {
        if ((error as Error).name === 'TimeoutError') {
          this.tally.violations.push(`${method} ${path}: no answer within REQUEST_TIMEOUT_SECONDS + 5 s`);
        } else {
          // An instance killed or restarting: the other one is tried.
          this.tally.connectionErrors.api++;
        }
        await sleep(200 * (attempt + 1));
        continue;
      }
      const text = await res.text().catch(() => '');
      const json = parse(text);
      const key = res.status >= 400 ? `${res.status} ${json?.code ?? '(no code)'}` : String(res.status);
      this.tally.count(key);
      if (Date.now() - started > (this.requestTimeoutSeconds + 2) * 1000)
        this.tally.violations.push(`${method} ${path}: answered after ${Date.now() - started} ms`);
      if (res.status >= 400) {
        const problem =
          res.headers.get('content-type')?.startsWith('application/problem+json') && typeof json?.code === 'string';
        if (!problem)
          this.tally.violations.push(`${method} ${path} → ${res.status} not problem+json: ${text.slice(0, 200)}`);
        if (res.status >= 500 && res.status !== 503)
          this.tally.violations.push(
            `${method} ${path} → ${res.status} ${json?.code}: ${json?.detail ?? text.slice(0, 200)}`,
          );
        if (res.status === 503) {
          if (!res.headers.get('retry-after'))
            this.tally.violations.push(`${method} ${path} → 503 without Retry-After`);
          await sleep(Math.min(2000, Number(res.headers.get('retry-after') ?? 1) * 1000));
          continue;
        }
      }
      return { status: res.status, json, headers: res.headers };
    }
    return null;
  }
}

function parse(text: string): any {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}
