/**
 * Fuzzed requests against the real api (PostgreSQL, Redis, the S3 server): every route the
 * OpenAPI document lists, with random path parameters, queries, bodies, content types and
 * authorization. Whatever comes in, the answer is a success or RFC 9457 problem+json with a stable
 * code and its status, never a 5xx; and a refused request changes nothing in the database.
 * The seed is fixed in CI (FUZZ_SEED, else 20261203) and random locally; fast-check prints it
 * with any counterexample, and it is logged at the start.
 */
import fc from 'fast-check';
import { Client } from 'pg';
import { STATUS } from '../../src/http/problem';
import { startApi, token, type RunningApi } from '../support/harness';
import { PLAYBACK_ENV } from '../support/playback-cookies';
import { testDatabaseUrl } from '../support/test-env';

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : process.env.CI ? 20261203 : Date.now() % 2 ** 31;
const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);
const CODES = new Set(Object.keys(STATUS));
const ROUTE_PARAM = /\{([A-Za-z]+)\}/g;

/** A long input, printed short in a counterexample (fast-check shows its label, not its text). */
class Big {
  constructor(
    readonly text: string,
    private readonly label: string,
  ) {}

  [fc.toStringMethod](): string {
    return this.label;
  }
}

const big = (label: string, make: (n: number) => string, min: number, max: number) =>
  fc.integer({ min, max }).map((n) => new Big(make(n), `${label}(${n})`));
function plain(value: string | Big): string;
function plain<T>(value: string | Big | T): string | T;
function plain<T>(value: string | Big | T): string | T {
  return value instanceof Big ? value.text : value;
}

interface Route {
  readonly method: string;
  readonly path: string;
}

interface Sent {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body?: string | Uint8Array;
}

// What would turn a refused request into a change: every table's size and newest change.
const DIGEST = `SELECT json_build_object(
  'videos', (SELECT json_build_array(count(*), max(updated_at), sum(captions_revision)) FROM videos),
  'grants', (SELECT json_build_array(count(*), max(created_at), count(started_at)) FROM grants),
  'collections', (SELECT json_build_array(count(*), max(updated_at)) FROM collections),
  'items', (SELECT json_build_array(count(*), max(added_at), count(removed_at)) FROM collection_items),
  'collection_grants', (SELECT json_build_array(count(*), max(created_at)) FROM collection_grants),
  'captions', (SELECT json_build_array(count(*), max(updated_at)) FROM captions),
  'webhooks', (SELECT json_build_array(count(*), max(updated_at), count(disabled_at)) FROM webhook_endpoints),
  'deliveries', (SELECT count(*) FROM webhook_deliveries),
  'events', (SELECT count(*) FROM video_events)
)::text AS digest`;

describe(`fuzzed api inputs (seed ${SEED})`, () => {
  let api: RunningApi;
  let db: Client;
  let routes: Route[];
  const ids = {
    id: '',
    collectionId: '',
    webhookId: '',
    userId: 'fuzz-viewer',
    playerId: 'player-1',
    lang: 'en',
    deliveryId: 'dlv_00000000000000000000000000',
  };
  const tokens: Record<string, string> = {};

  const call = async (method: string, path: string, bearer: string, body?: unknown) => {
    const res = await fetch(`${api.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${bearer}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json().catch(() => null)) as any };
  };

  /** Fixtures the routes' valid ids point at; made again when a lucky request deleted one. */
  async function seed(): Promise<void> {
    const owner = tokens.creator!;
    if (!ids.id || (await call('GET', `/v1/videos/${ids.id}`, owner)).status === 404) {
      ids.id = (
        await call('POST', '/v1/videos', owner, {
          title: 'fuzz',
          contentType: 'video/mp4',
          sizeBytes: 1000,
          access: 'paid',
        })
      ).json.video.id;
      // Ready (as a transcode would leave it), so sessions, downloads and captions go past their state checks.
      await db.query(
        `UPDATE videos SET status = 'ready', hls_version = 'v1', width = 640, height = 360, duration_seconds = 4, downloadable = true WHERE id = $1`,
        [ids.id],
      );
    }
    if (!ids.collectionId || (await call('GET', `/v1/collections/${ids.collectionId}`, owner)).status === 404) {
      ids.collectionId = (await call('POST', '/v1/collections', owner, { title: 'fuzz set' })).json.id;
    }
    if (!ids.webhookId || (await call('GET', `/v1/webhooks/${ids.webhookId}`, owner)).status === 404) {
      ids.webhookId = (await call('POST', '/v1/webhooks', owner, { url: 'http://127.0.0.1:9/hook' })).json.id;
    }
  }

  beforeAll(async () => {
    console.log(`fuzz seed ${SEED} (FUZZ_SEED=${SEED} repeats this run), ${RUNS} runs`);
    api = await startApi({ ...PLAYBACK_ENV, PLAYBACK_RATE_LIMIT_PER_IP: '0', PLAYBACK_RATE_LIMIT_PER_USER: '0' });
    db = new Client({ connectionString: testDatabaseUrl() });
    await db.connect();
    tokens.creator = await token('fuzz-creator', ['creator']);
    tokens.viewer = await token('fuzz-viewer', []);
    tokens.admin = await token('fuzz-admin', ['admin']);
    tokens.other = await token('fuzz-other', ['creator']);
    const doc = (await (await fetch(`${api.url}/docs/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    routes = Object.entries(doc.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => ({ method: method.toUpperCase(), path })),
    );
    await seed();
  });

  afterAll(async () => {
    await db?.end();
    await api?.close();
  });

  it('knows every route the api serves', () => {
    // A new controller shows up here by itself; this keeps the list from being silently empty.
    expect(routes.length).toBeGreaterThan(40);
    expect(routes).toEqual(
      expect.arrayContaining([
        { method: 'PUT', path: '/v1/videos/{id}/captions/{lang}' },
        { method: 'POST', path: '/v1/videos/{id}/downloads' },
      ]),
    );
  });

  const text = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.constantFrom(
      '..',
      '%2e%2e',
      '*',
      '?',
      '%00',
      ' ',
      'null',
      '-1',
      '0',
      '1e309',
      '../../etc/passwd',
      'é',
      '🎬',
      '<script>',
      "' OR 1=1 --",
    ),
    big('a×', (n) => 'a'.repeat(n), 101, 4000),
  );
  // A parameter is the fixture's valid id (resolved when sent: a DELETE may have replaced it) or junk.
  const param = fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: text });
  const json = fc.jsonValue({ maxDepth: 4 });
  const fieldNames = fc.constantFrom(
    'title',
    'contentType',
    'sizeBytes',
    'access',
    'url',
    'events',
    'expiresAt',
    'kind',
    'rentalSeconds',
    'startBy',
    'download',
    'downloadable',
    'availableFrom',
    'parts',
    'partNumbers',
    'playerId',
    'position',
    'content',
    'label',
    'default',
    'scope',
    'enabled',
    'description',
    '__proto__',
    'constructor',
  );
  const bodies = fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .dictionary(
          fieldNames,
          fc.oneof(
            json,
            text.map((t) => plain(t).slice(0, 2000)),
          ),
          { maxKeys: 6 },
        )
        .map((v) => JSON.stringify(v)),
    },
    fc.constant(undefined),
    json.map((v) => JSON.stringify(v)),
    fc.dictionary(fieldNames, fc.oneof(json, text), { maxKeys: 6 }).map((v) => JSON.stringify(v)),
    big('nested arrays', (n) => `${'['.repeat(n)}${']'.repeat(n)}`, 1, 20_000),
    big('nested objects', (n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`, 1, 5000),
    fc.tuple(fieldNames, json, json).map(([k, a, b]) => `{"${k}":${JSON.stringify(a)},"${k}":${JSON.stringify(b)}}`),
    fc.constantFrom('{', '{"title":', 'not json', '\u0000', '{"title":"\\ud800"}', '[1,2', 'true', 'null', '""'),
    big('oversized title', (n) => JSON.stringify({ title: 'x'.repeat(n) }), 1_000_001, 3_000_000),
    fc.uint8Array({ maxLength: 200 }),
    // Caption files, for the caption route's text types: adversarial lines (once seconds of the
    // api's event loop each), absurd timestamps, and a few plain ones.
    big('unclosed ASS codes', (n) => `1\n00:00:01,000 --> 00:00:02,000\n${'{\\'.repeat(n)}\n`, 1, 400_000),
    big('unclosed font tags', (n) => `1\n00:00:01,000 --> 00:00:02,000\n${'<font'.repeat(n)}\n`, 1, 200_000),
    big(
      'many cues',
      (n) => Array.from({ length: n }, (_, i) => `${i + 1}\n00:00:01,000 --> 00:00:02,000\nx`).join('\n\n'),
      1,
      20_000,
    ),
    fc.constantFrom(
      'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello\n',
      `WEBVTT\n\n00:00:01.000 --> ${'9'.repeat(40)}:00:00.000\nlate\n`,
      '1\n00:00:01,000 --> 00:00:02,000\n<font color="red">Hi</font> {\\an8}\n',
    ),
  );
  const contentTypes = fc.oneof(
    { weight: 6, arbitrary: fc.constant('application/json') },
    fc.constantFrom(
      undefined,
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'text/vtt',
      'application/x-subrip',
      'application/xml',
      'multipart/form-data; boundary=x',
      'application/x-www-form-urlencoded',
      'application/octet-stream',
      'application/json; charset=latin1',
      '*/*',
      'garbage',
    ),
  );
  const auth = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom('creator', 'viewer', 'admin', 'other') },
    fc.constantFrom(
      undefined,
      'Bearer',
      'Bearer garbage',
      'Basic YWJjOmRlZg==',
      `Bearer ${'a'.repeat(5000)}`,
      'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
    ),
  );
  const query = fc.array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom('limit', 'cursor', 'status', 'all', 'label', 'default', 'scope'),
        fc.string({ maxLength: 10 }),
      ),
      text,
    ),
    { maxLength: 4 },
  );
  const requestId = fc.option(text, { nil: undefined });

  /** The request, with the fixtures' ids as they are now. */
  function build(
    route: Route,
    params: ReadonlyArray<string | Big | null>,
    r: {
      body?: string | Big | Uint8Array;
      type?: string;
      auth?: string;
      query: Array<[string, string | Big]>;
      requestId?: string | Big;
    },
  ): Sent {
    let i = 0;
    const path = route.path.replace(ROUTE_PARAM, (_, name: string) => {
      const value = params[i++] ?? null;
      return encodeURIComponent(value === null ? (ids[name as keyof typeof ids] ?? 'x') : plain(value));
    });
    const search = new URLSearchParams(r.query.map(([k, v]): [string, string] => [k, plain(v)])).toString();
    const headers: Record<string, string> = {};
    if (r.auth) headers.authorization = tokens[r.auth] ? `Bearer ${tokens[r.auth]}` : r.auth;
    if (r.type) headers['content-type'] = r.type;
    if (r.requestId !== undefined) headers['x-request-id'] = plain(r.requestId).replace(/[^\t\x20-\x7e]/g, '');
    return {
      method: route.method,
      url: `${api.url}${path}${search ? `?${search}` : ''}`,
      headers,
      body: route.method === 'GET' ? undefined : plain(r.body),
    };
  }

  it('answers every request with a success or problem+json, never a 5xx, and a refusal changes nothing', async () => {
    const digest = async () => (await db.query<{ digest: string }>(DIGEST)).rows[0]!.digest;
    // What the runs met, printed at the end: a fuzzer answered 401 a thousand times tests little.
    const seen = new Map<string, number>();
    const input = fc.record({
      route: fc.constantFrom(...routes),
      params: fc.array(param, { minLength: 3, maxLength: 3 }),
      body: bodies,
      type: contentTypes,
      auth,
      query,
      requestId,
    });
    await fc.assert(
      fc.asyncProperty(input, async ({ route, params, ...rest }) => {
        const sent = build(route, params, rest);
        const before = await digest();
        const res = await fetch(sent.url, {
          method: sent.method,
          headers: sent.headers,
          body: sent.body,
          signal: AbortSignal.timeout(15_000),
        });
        const raw = await res.text();
        const code = res.status >= 400 ? ((JSON.parse(raw || '{}') as { code?: string }).code ?? '?') : 'ok';
        seen.set(`${res.status} ${code}`, (seen.get(`${res.status} ${code}`) ?? 0) + 1);
        const where = `${sent.method} ${sent.url.slice(0, 200)} → ${res.status} ${raw.slice(0, 300)}`;
        if (res.status >= 500) throw new Error(`server error: ${where}`);
        if (res.status >= 400) {
          if (!res.headers.get('content-type')?.startsWith('application/problem+json'))
            throw new Error(`not problem+json: ${where}`);
          const problem = JSON.parse(raw) as { code?: string; status?: number; detail?: unknown };
          if (
            !problem.code ||
            !CODES.has(problem.code) ||
            STATUS[problem.code as keyof typeof STATUS] !== res.status ||
            problem.status !== res.status ||
            typeof problem.detail !== 'string'
          ) {
            throw new Error(`unstable problem: ${where}`);
          }
          const after = await digest();
          if (after !== before)
            throw new Error(`a refused request changed the database: ${where}\n${before}\n${after}`);
        } else if (sent.method === 'DELETE') {
          await seed();
        }
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    console.log(
      `fuzzed answers: ${[...seen]
        .sort((a, b) => b[1] - a[1])
        .map(([k, n]) => `${k} ×${n}`)
        .join(', ')}`,
    );
    // The runs reached past the guards and the pipes into the services, and some requests were taken.
    expect([...seen.keys()].filter((k) => !/^(400|401|404|413|415) /.test(k)).length).toBeGreaterThan(3);
  }, 600_000);

  it('answers a 300-character id 400 invalid_id, on every route taking one', async () => {
    const long = 'a'.repeat(300);
    for (const route of routes.filter((r) => r.path.includes('{id}'))) {
      const path = route.path.replace(ROUTE_PARAM, (_, name: string) =>
        name === 'id' ? long : encodeURIComponent(ids[name as keyof typeof ids] ?? 'x'),
      );
      const res = await fetch(`${api.url}${path}`, {
        method: route.method,
        headers: { authorization: `Bearer ${tokens.creator}` },
      });
      const problem = (await res.json()) as { code: string };
      expect([route.method, route.path, res.status, problem.code]).toEqual([
        route.method,
        route.path,
        400,
        route.path.startsWith('/v1/videos') ? 'invalid_id' : problem.code,
      ]);
    }
  });
});
