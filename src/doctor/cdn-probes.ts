import { randomBytes } from 'node:crypto';
import { signedQuery } from '../domain/cloudfront-encoding';
import { videoPolicy } from '../domain/playback';
import { newVideoId } from '../domain/ids';
import { isLoopbackHost } from '../domain/ip';
import type { SignedPolicy } from '../ports/cdn-signer';
import { fail, keyFix, pass, RESTRICT_VIEWER_ACCESS_FIX, warn, type DoctorCheck } from './doctor-check';

/** What the probes aim at: one ready video's object, reached as a viewer reaches it. */
export interface ProbeTarget {
  readonly cdnBaseUrl: string;
  readonly videoId: string;
  /** A file of that video, relative to `videos/{id}/` (its poster by default). */
  readonly objectPath: string;
  readonly keyPairId: string;
  /** An app origin the CDN must answer CORS for (the first of CORS_ORIGINS). */
  readonly appOrigin: string | null;
  /** The same object's URL on S3 itself, which must refuse anonymous reads. */
  readonly s3ObjectUrl: string;
  readonly bindIp: boolean;
}

export interface ProbeTools {
  /** Velvet's own signer: the probes sign exactly as the playback api does. */
  sign(policy: string): SignedPolicy;
  readonly fetch: typeof fetch;
  resolve6(host: string): Promise<string[]>;
  /** Epoch seconds. */
  now(): number;
}

/** An answer, read as CloudFront's (its XML error code) or as the origin's (an S3 RequestId). */
interface Answer {
  readonly status: number;
  readonly code: string | null;
  readonly fromS3: boolean;
  readonly headers: Headers;
  readonly location: string | null;
}

const TIMEOUT_MS = 10_000;

/** The HTTPS probes: no credentials beyond Velvet's signing key, nothing written anywhere. */
export async function probeCdn(target: ProbeTarget, tools: ProbeTools): Promise<DoctorCheck[]> {
  const base = target.cdnBaseUrl.replace(/\/+$/, '');
  const objectUrl = `${base}/videos/${target.videoId}/${target.objectPath}`;
  const expires = tools.now() + 300;
  const ownSigned = tools.sign(videoPolicy({ cdnBaseUrl: base, videoId: target.videoId, expiresAtEpoch: expires }));
  const own = cookieHeader(ownSigned);
  const get = (url: string, headers: Record<string, string> = {}) => request(tools.fetch, url, headers);
  const checks: DoctorCheck[] = [cdnScheme(base)];

  const unsigned = await get(objectUrl, target.appOrigin ? { origin: target.appOrigin } : {});
  checks.push(expectRefusal('unsigned-refused', 'an unsigned request', unsigned, 'MissingKey'));

  const signed = await get(objectUrl, { cookie: own, ...(target.appOrigin ? { origin: target.appOrigin } : {}) });
  checks.push(signedServed(signed, target, 'signed-served', "Velvet's own signed cookies"));
  // What signedManifestUrl's playlists point at: the same policy as a query, no cookie.
  const query = signedQuery(ownSigned);
  checks.push(
    signedServed(
      await get(`${objectUrl}?${query}`),
      target,
      'signed-query-served',
      'the same policy as a signed query',
    ),
  );

  const unknownKey = `K${randomBytes(10).toString('hex').toUpperCase().slice(0, 13)}`;
  const unknown = await get(objectUrl, {
    cookie: cookieHeader({ ...ownSigned, 'CloudFront-Key-Pair-Id': unknownKey }),
  });
  checks.push(
    expectRefusal('unknown-key-refused', `a signature under an unknown key id (${unknownKey})`, unknown, 'InvalidKey'),
  );

  const otherUrl = `${base}/videos/${newVideoId()}/${target.objectPath}`;
  const otherVideo = await get(otherUrl, { cookie: own });
  checks.push(expectRefusal('other-video-refused', "one video's cookies on another video", otherVideo, 'AccessDenied'));
  checks.push(
    expectRefusal(
      'other-video-query-refused',
      "one video's signed query on another video",
      await get(`${otherUrl}?${query}`),
      'AccessDenied',
    ),
  );

  const expired = cookieHeader(
    tools.sign(videoPolicy({ cdnBaseUrl: base, videoId: target.videoId, expiresAtEpoch: tools.now() - 60 })),
  );
  checks.push(
    expectRefusal('expired-refused', 'an expired signature', await get(objectUrl, { cookie: expired }), 'AccessDenied'),
  );

  checks.push(await uploadsNotServed(base, target.videoId, tools, expires, get));
  checks.push(...(await downloadsSignedUrlOnly(base, target.videoId, tools, expires, get)));
  checks.push(bucketPrivate(await get(target.s3ObjectUrl), target.s3ObjectUrl));
  checks.push(corsOnPlayback(signed, unsigned, target.appOrigin));
  checks.push(await plainHttpRefused(objectUrl, get));
  checks.push(await ipv6WhenBound(new URL(base).hostname, target.bindIp, tools));
  return checks;
}

function cdnScheme(base: string): DoctorCheck {
  const url = new URL(base);
  if (url.protocol === 'https:') return pass('cdn-https', `${url.origin} is https`);
  if (isLoopbackHost(url.hostname))
    return pass('cdn-https', `${url.origin} is a loopback stand-in (browsers treat it as a secure context)`);
  return fail(
    'cdn-https',
    `${url.origin} is not https`,
    'set CDN_BASE_URL to the https URL of the distribution: the policy Resource and the Secure cookies need it',
  );
}

function expectRefusal(name: string, what: string, answer: Answer | Error, code: string): DoctorCheck {
  if (answer instanceof Error)
    return fail(
      name,
      `${what}: no answer (${answer.message})`,
      'make the CDN reachable from here, then run the doctor again',
    );
  const seen = describe(answer);
  const refusedByCdn = answer.status === 403 && answer.code !== null && !answer.fromS3;
  if (refusedByCdn && answer.code === code) return pass(name, `${what} → ${seen}`);
  // Refused, but for another reason than the one this request was built to show.
  if (refusedByCdn) return warn(name, `${what} → ${seen}; CloudFront answers ${code} to it`);
  // Served, or answered by the origin: the request went through without its signature checked.
  return fail(name, `${what} was not refused by the CDN (${seen})`, RESTRICT_VIEWER_ACCESS_FIX);
}

function signedServed(answer: Answer | Error, target: ProbeTarget, name: string, how: string): DoctorCheck {
  const what = `${how} for videos/${target.videoId}/${target.objectPath}`;
  if (answer instanceof Error)
    return fail(
      name,
      `${what}: no answer (${answer.message})`,
      'make the CDN reachable from here, then run the doctor again',
    );
  const seen = describe(answer);
  if (answer.status === 200 || answer.status === 206) return pass(name, `${what} → ${seen}`);
  if (
    answer.status === 403 &&
    !answer.fromS3 &&
    (answer.code === 'InvalidKey' || answer.code === 'AccessDenied' || answer.code === 'MissingKey')
  ) {
    const why =
      answer.code === 'InvalidKey'
        ? `key id ${target.keyPairId} is in no key group the behavior trusts`
        : `the signature under key ${target.keyPairId} did not verify: the public key CloudFront holds under that id is not the half of CLOUDFRONT_PRIVATE_KEY, or this machine's clock is off`;
    return fail(name, `${what} → ${seen}: ${why}`, keyFix(target.keyPairId));
  }
  return fail(
    name,
    `${what} → ${seen}`,
    `the object must exist and the bucket policy must grant the distribution s3:GetObject on videos/* (the infra/ stack does); pass --video with a ready video${target.objectPath === 'poster.jpg' ? ' (an audio-only video has no poster: pass --object hls/<version>/master.m3u8)' : ''}`,
  );
}

async function uploadsNotServed(
  base: string,
  videoId: string,
  tools: ProbeTools,
  expires: number,
  get: (url: string, h?: Record<string, string>) => Promise<Answer | Error>,
): Promise<DoctorCheck> {
  const name = 'uploads-not-served';
  // Signed for uploads/ with Velvet's key: even a valid signature must not reach the sources.
  const policy = JSON.stringify({
    Statement: [
      { Resource: `${base}/uploads/${videoId}/*`, Condition: { DateLessThan: { 'AWS:EpochTime': expires } } },
    ],
  });
  const answer = await get(`${base}/uploads/${videoId}/source`, { cookie: cookieHeader(tools.sign(policy)) });
  if (answer instanceof Error)
    return fail(name, `no answer (${answer.message})`, 'make the CDN reachable from here, then run the doctor again');
  if (answer.status >= 200 && answer.status < 300) {
    return fail(
      name,
      `uploads/${videoId}/source through the CDN → ${describe(answer)}`,
      'the CDN must serve videos/* only: answer 404 elsewhere (a viewer-request function on the default behavior) and grant the distribution s3:GetObject on videos/* only',
    );
  }
  return pass(name, `uploads/ through the CDN, signed → ${describe(answer)}`);
}

/**
 * downloads/* answers only a signed URL for one file: cookies (even ones whose policy names the
 * prefix, which Velvet never issues) are refused by the CDN itself, and a signed URL gets through
 * to the origin (which then answers for the probe's file, absent on purpose: nothing is fetched).
 */
async function downloadsSignedUrlOnly(
  base: string,
  videoId: string,
  tools: ProbeTools,
  expires: number,
  get: (url: string, h?: Record<string, string>) => Promise<Answer | Error>,
): Promise<DoctorCheck[]> {
  const url = `${base}/downloads/${videoId}/doctor-probe.mp4`;
  const prefixPolicy = JSON.stringify({
    Statement: [
      { Resource: `${base}/downloads/${videoId}/*`, Condition: { DateLessThan: { 'AWS:EpochTime': expires } } },
    ],
  });
  const withCookies = await get(url, { cookie: cookieHeader(tools.sign(prefixPolicy)) });
  const fileSigned = tools.sign(
    JSON.stringify({ Statement: [{ Resource: url, Condition: { DateLessThan: { 'AWS:EpochTime': expires } } }] }),
  );
  // signedQuery carries Hash-Algorithm too: under a SHA-256 key the URL would not verify without it.
  const withUrl = await get(`${url}?${signedQuery(fileSigned)}`);
  const unreachable = (name: string, answer: Error) =>
    fail(name, `no answer (${answer.message})`, 'make the CDN reachable from here, then run the doctor again');
  const fix =
    'give downloads/* its own behavior restricted to the key group, with a viewer-request function refusing requests without Signature and Key-Pair-Id (the infra/ stack does), and grant the distribution s3:GetObject on downloads/*';
  const cookies: DoctorCheck =
    withCookies instanceof Error
      ? unreachable('downloads-cookies-refused', withCookies)
      : withCookies.status === 403 && !withCookies.fromS3
        ? pass('downloads-cookies-refused', `downloads/ with signed cookies → ${describe(withCookies)}`)
        : fail(
            'downloads-cookies-refused',
            `downloads/ with signed cookies → ${describe(withCookies)}, not refused by the CDN`,
            fix,
          );
  // Past the CDN, the origin answers for the (absent) file: S3's own error, or the stand-in's NoSuchKey.
  const reachedOrigin = (a: Answer) => a.fromS3 || a.code === 'NoSuchKey' || a.status === 200;
  const signedUrl: DoctorCheck =
    withUrl instanceof Error
      ? unreachable('downloads-signed-url-served', withUrl)
      : reachedOrigin(withUrl)
        ? pass('downloads-signed-url-served', `downloads/ with a signed URL → ${describe(withUrl)} from the origin`)
        : fail(
            'downloads-signed-url-served',
            `downloads/ with a signed URL → ${describe(withUrl)}, refused before the origin`,
            fix,
          );
  return [cookies, signedUrl];
}

function bucketPrivate(answer: Answer | Error, url: string): DoctorCheck {
  const name = 'bucket-private';
  if (answer instanceof Error) return warn(name, `the object on S3 (${url}) did not answer: ${answer.message}`);
  if (answer.status === 403 || answer.status === 401)
    return pass(name, `an anonymous read of the object on S3 → ${describe(answer)}`);
  if (answer.status >= 200 && answer.status < 300) {
    return fail(
      name,
      `an anonymous read of the object on S3 → ${describe(answer)}`,
      'block all public access on the bucket and remove any statement granting reads to "*": only the distribution (origin access control) may read it',
    );
  }
  return warn(name, `an anonymous read of the object on S3 → ${describe(answer)}, expected 403`);
}

function corsOnPlayback(signed: Answer | Error, unsigned: Answer | Error, origin: string | null): DoctorCheck {
  const name = 'cors';
  if (!origin)
    return warn(
      name,
      'no app origin to test (CORS_ORIGINS is empty)',
      'pass --origin https://app.example.com, the page that plays the videos',
    );
  if (signed instanceof Error || signed.status >= 300)
    return warn(name, 'not checked: the signed request was not served');
  const allowOrigin = signed.headers.get('access-control-allow-origin');
  const credentials = signed.headers.get('access-control-allow-credentials');
  if (allowOrigin !== origin || credentials !== 'true') {
    return fail(
      name,
      `Origin ${origin} → Access-Control-Allow-Origin ${allowOrigin ?? '(none)'}, Access-Control-Allow-Credentials ${credentials ?? '(none)'}`,
      'attach a response headers policy to videos/* with credentials allowed and the exact app origins (INFRA_APP_ORIGINS): players send cookies, so "*" is refused by browsers',
    );
  }
  // Whether CloudFront adds the policy's headers to its own 403s is not documented: say what is seen.
  const onRefusal = unsigned instanceof Error ? null : unsigned.headers.get('access-control-allow-origin');
  if (onRefusal !== origin) {
    return warn(
      name,
      `exact origin and credentials on 200; the CDN's 403 carries no Access-Control-Allow-Origin, so a player sees an expired session as a network error`,
    );
  }
  return pass(name, `Origin ${origin} → exact Access-Control-Allow-Origin with credentials, on the 200 and on the 403`);
}

async function plainHttpRefused(
  objectUrl: string,
  get: (url: string) => Promise<Answer | Error>,
): Promise<DoctorCheck> {
  const name = 'http-refused';
  const url = new URL(objectUrl);
  if (url.protocol === 'http:') return pass(name, 'the CDN is a loopback stand-in on http');
  url.protocol = 'http:';
  const answer = await get(url.toString());
  if (answer instanceof Error) return pass(name, `http:// → no answer (${answer.message})`);
  if (answer.status >= 300 && answer.status < 400 && answer.location?.startsWith('https://'))
    return pass(name, `http:// → ${answer.status} to https`);
  if (answer.status >= 200 && answer.status < 300) {
    return fail(
      name,
      `http:// → ${describe(answer)}`,
      'set the viewer protocol policy of every behavior to https-only (or redirect-to-https)',
    );
  }
  return pass(name, `http:// → ${describe(answer)}`);
}

async function ipv6WhenBound(host: string, bindIp: boolean, tools: ProbeTools): Promise<DoctorCheck> {
  const name = 'ipv6';
  if (!bindIp)
    return pass(name, 'cookies are not bound to the viewer IP (PLAYBACK_BIND_IP off): IPv6 viewers are fine');
  const addresses = await tools.resolve6(host).catch(() => [] as string[]);
  if (addresses.length === 0) return pass(name, `${host} has no AAAA record, as IP-bound cookies need`);
  return fail(
    name,
    `${host} has AAAA records (${addresses.join(', ')}) while cookies are IP-bound`,
    'turn IPv6 off on the distribution (INFRA_IP_BINDING=true) or PLAYBACK_BIND_IP off: a policy IpAddress never matches an IPv6 viewer',
  );
}

async function request(fetcher: typeof fetch, url: string, headers: Record<string, string>): Promise<Answer | Error> {
  try {
    const res = await fetcher(url, { headers, redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
    // Only an error body is read, and only its start: the probes never download media.
    const body = res.status >= 400 ? (await res.text()).slice(0, 2048) : (await res.body?.cancel(), '');
    return {
      status: res.status,
      code: /<Code>([^<]+)<\/Code>/.exec(body)?.[1] ?? null,
      fromS3: /<RequestId>/.test(body) || res.headers.has('x-amz-request-id'),
      headers: res.headers,
      location: res.headers.get('location'),
    };
  } catch (error) {
    return error instanceof Error
      ? new Error(String((error.cause as Error | undefined)?.message ?? error.message))
      : new Error(String(error));
  }
}

function describe(answer: Answer): string {
  return `${answer.status}${answer.code ? ` ${answer.code}` : ''}${answer.fromS3 ? ' (from S3)' : ''}`;
}

function cookieHeader(signed: SignedPolicy): string {
  return Object.entries(signed)
    .map(([name, value]) => `${name}=${value as string}`)
    .join('; ');
}
