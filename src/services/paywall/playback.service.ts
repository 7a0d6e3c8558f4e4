import { Inject, Injectable, Logger } from '@nestjs/common';
import { isIPv4 } from 'node:net';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/config';
import { DomainError, isDomainError, RateLimitedError } from '../../domain/errors';
import { ExpiringCache } from '../../domain/expiring-cache';
import { unmapIpv4 } from '../../domain/ip';
import { assertVideoId } from '../../domain/ids';
import { decideEntitlement, NO_FACTS, type Entitlement, type Grant } from '../../domain/entitlement';
import { filePolicy, refreshAt, sessionExpiry, videoPolicy, videoResourcePrefix } from '../../domain/playback';
import { STORYBOARD_DIR, STORYBOARD_VTT } from '../../domain/storyboard';
import type { GrantTerms } from '../../ports/grant-store';
import { isAdmin, playableVersion, type Actor, type Video } from '../../domain/video';
import { CdnSigner, type SignedPolicy } from '../../ports/cdn-signer';
import { Clock } from '../../ports/clock';
import { GrantStore } from '../../ports/grant-store';
import { Metrics } from '../../ports/metrics';
import { RateLimiter } from '../../ports/rate-limiter';
import { VideoStore } from '../../ports/video-store';
import { StreamLeases } from '../../ports/stream-leases';
import { EntitlementCache } from './entitlement-cache';
import { EntitlementChanges } from './entitlement-changes';
import { HotVideos } from './hot-videos';
import { loadOwnedVideo } from '../shared/video-access';
import { refusal } from './refusal';
import { ViewTokens } from '../analytics/view-tokens';

export interface PlaybackSession {
  readonly videoId: string;
  readonly manifestUrl: string;
  /** The master's path below the video's folder (`hls/{version}/master.m3u8`). */
  readonly manifestPath: string;
  readonly expiresAt: Date;
  readonly refreshAt: Date;
  /** The server's clock when the session was signed, so clients time the renewal without trusting theirs. */
  readonly issuedAt: Date;
  readonly posterUrl: string | null;
  /** Seek-bar previews (WebVTT pointing into sprite sheets), under the same cookies; null without. */
  readonly storyboardUrl: string | null;
  readonly signed: SignedPolicy;
  /** Where the cookies apply: `/videos/{id}/`. */
  readonly cookiePath: string;
  /** A premiere not yet started: the cookies work from this moment; players wait for it. */
  readonly availableFrom: Date | null;
  /** What the player's beacons carry (analytics): this view of this video by this viewer. */
  readonly viewToken: string | null;
  /** The video is still processing and this is what plays meanwhile (its preview or its source). */
  readonly playableEarly: boolean;
  /** How far processing has gone (0–100) while it is still processing; null otherwise. */
  readonly progress: number | null;
}

/** What a player says of itself when it asks for a session. */
export interface SessionRequest {
  /** Its stream slot (the stream limit). */
  readonly playerId?: string;
  /** The token of the session it renews: the same view goes on. */
  readonly viewToken?: string;
}

// Bounded: one entry per (video, expiry bucket), each kept until its policy expires.
const CACHE_LIMIT = 10_000;
// Expiry rounding with a stream limit: short, so the cookies never last much past a refused renewal.
const STREAM_BUCKET_SECONDS = 15;

/** The paywall and the signing of playback sessions. */
@Injectable()
export class PlaybackService {
  private readonly logger = new Logger(PlaybackService.name);
  private readonly signatures = new ExpiringCache<string, SignedPolicy | string>(CACHE_LIMIT);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: VideoStore,
    private readonly grants: GrantStore,
    private readonly signer: CdnSigner,
    private readonly clock: Clock,
    private readonly rates: RateLimiter,
    private readonly hot: HotVideos,
    private readonly facts: EntitlementCache,
    private readonly changes: EntitlementChanges,
    private readonly leases: StreamLeases,
    private readonly metrics: Metrics,
    private readonly viewTokens: ViewTokens,
  ) {}

  /** A session for the viewer, counted by outcome (issued, or the refusal's code) for /metrics. */
  async createSession(
    viewer: Actor | null,
    id: string,
    clientIp: string,
    player: SessionRequest = {},
  ): Promise<PlaybackSession> {
    try {
      const session = await this.issueSession(viewer, id, clientIp, player);
      this.metrics.sessionAnswered('issued');
      return session;
    } catch (error) {
      this.metrics.sessionAnswered(isDomainError(error) ? error.code : 'internal');
      throw error;
    }
  }

  private async issueSession(
    viewer: Actor | null,
    id: string,
    clientIp: string,
    { playerId, viewToken: previousViewToken }: SessionRequest,
  ): Promise<PlaybackSession> {
    const baseUrl = this.config.cloudfront.baseUrl;
    if (!this.signer.enabled || !baseUrl) {
      throw new DomainError('playback_not_configured', 'Playback needs CDN_BASE_URL and a CloudFront signing key.');
    }
    await this.limit(viewer, clientIp);
    const video = await this.hot.find(assertVideoId(id));
    if (!video) throw new DomainError('not_found', 'No such video.');
    const now = this.clock.now();
    const entitlement = await this.entitlement(video, viewer, now);
    const version = playableVersion(video);
    if (!version) {
      // The viewer is entitled by now, so the player may show how far processing has gone.
      throw new DomainError(
        'not_ready',
        `The video is not ready to play (status ${video.status}).`,
        [{ path: 'status', message: video.status }],
        video.progress === null
          ? { videoStatus: video.status }
          : { videoStatus: video.status, progress: video.progress },
      );
    }
    const { bindIp, maxStreams } = this.config.playback;
    // With a stream limit the cookies are short, so a refused renewal stops playback soon after.
    const limited = Boolean(viewer) && maxStreams > 0;
    const ttlSeconds = limited ? this.config.playback.streamTtlSeconds : this.config.playback.ttlSeconds;
    const expiryBucketSeconds = limited
      ? Math.min(STREAM_BUCKET_SECONDS, this.config.playback.expiryBucketSeconds)
      : this.config.playback.expiryBucketSeconds;
    // Before a premiere the session is timed from its start: the cookies are good when it begins.
    const from = entitlement.notBefore && entitlement.notBefore > now ? entitlement.notBefore : now;
    const expiresAtEpoch = sessionExpiry(from, ttlSeconds, expiryBucketSeconds, entitlement.until);
    if (expiresAtEpoch <= Math.floor(from.getTime() / 1000))
      throw new DomainError('not_entitled', 'Your access to this video has expired.');
    const notBeforeEpoch = entitlement.notBefore ? Math.floor(entitlement.notBefore.getTime() / 1000) : undefined;
    if (limited) await this.leaseStream(viewer!, streamSlot(playerId, clientIp), expiresAtEpoch);
    // CloudFront matches IpAddress against IPv4 only; an IPv6 viewer gets an unbound policy.
    const viewerIp = unmapIpv4(clientIp);
    const sourceIp = bindIp && isIPv4(viewerIp) ? viewerIp : undefined;
    const sign = () =>
      this.signer.signPolicy(
        videoPolicy({ cdnBaseUrl: baseUrl, videoId: video.id, expiresAtEpoch, sourceIp, notBeforeEpoch }),
      );
    // Identical unbound policies (same video, expiry and premiere) are signed once and shared
    // across viewers until they expire; the key names what the policy is made of.
    const signed = sourceIp
      ? sign()
      : this.cached(`policy:${video.id}:${expiresAtEpoch}:${notBeforeEpoch ?? ''}`, expiresAtEpoch, sign);
    const prefix = videoResourcePrefix(baseUrl, video.id);
    const published = version === video.hlsVersion;
    const expiresAt = new Date(expiresAtEpoch * 1000);
    // The ladder's master with its captions, once published; the plain one otherwise.
    const manifestPath = `hls/${version}/${(published && video.captionsMaster) || 'master.m3u8'}`;
    return {
      videoId: video.id,
      manifestUrl: `${prefix}${manifestPath}`,
      manifestPath,
      expiresAt,
      refreshAt: new Date(refreshAt(from, expiresAtEpoch, ttlSeconds) * 1000),
      issuedAt: now,
      posterUrl: video.width ? this.signedPosterUrl(`${prefix}poster.jpg`, expiresAtEpoch, notBeforeEpoch) : null,
      storyboardUrl:
        published && video.storyboard ? `${prefix}hls/${version}/${STORYBOARD_DIR}/${STORYBOARD_VTT}` : null,
      signed,
      cookiePath: `/videos/${video.id}/`,
      availableFrom: entitlement.notBefore,
      // A renewal carrying the session's token goes on counting the same view.
      viewToken: this.viewTokens.issue(video, viewer?.userId ?? null, expiresAt, previousViewToken),
      playableEarly: !published,
      progress: published ? null : video.progress,
    };
  }

  /** The session request is the heartbeat: it holds (or renews) this player's slot until the cookies expire. */
  private async leaseStream(viewer: Actor, playerId: string, expiresAtEpoch: number): Promise<void> {
    const { maxStreams, streamPolicy } = this.config.playback;
    const lease = await this.leases.lease(
      viewer.userId,
      playerId,
      expiresAtEpoch * 1000,
      maxStreams,
      streamPolicy === 'evict-oldest',
    );
    if (!lease.granted) {
      throw new DomainError(
        'too_many_streams',
        `You are already watching on ${maxStreams} player${maxStreams === 1 ? '' : 's'}, the most allowed at once; stop one to watch here.`,
        [{ path: 'limit', message: String(maxStreams) }],
      );
    }
    if (lease.evicted) this.logger.log(`stream of ${viewer.userId} on player ${lease.evicted} evicted by ${playerId}`);
  }

  /** A player closed: its slot is free at once instead of at its cookies' expiry. */
  async endStream(viewer: Actor, playerId: string, clientIp: string): Promise<void> {
    if (!(await this.leases.release(viewer.userId, streamSlot(playerId, clientIp))))
      throw new DomainError('not_found', 'No stream of yours on that player.');
  }

  /** The paywall's answer; grants are looked up only when nothing else lets the viewer in. */
  private async entitlement(
    video: Video,
    viewer: Actor | null,
    now: Date,
  ): Promise<Extract<Entitlement, { allowed: true }>> {
    let entitlement = decideEntitlement(video, viewer, NO_FACTS, now);
    if (viewer && !entitlement.allowed && entitlement.reason === 'not_entitled') {
      entitlement = decideEntitlement(video, viewer, await this.facts.get(video.id, viewer.userId), now);
      if (entitlement.allowed && entitlement.startsRental) {
        // The rental's clock starts with this first session, once, whichever device is first.
        await this.grants.startRental(video.id, viewer.userId, now);
        await this.changes.viewerChanged(viewer.userId);
        entitlement = decideEntitlement(video, viewer, await this.grants.facts(video.id, viewer.userId), now);
      }
    }
    if (entitlement.allowed) return entitlement;
    throw refusal(entitlement.reason, 'watch');
  }

  /** Per user (when signed in) and per client IP, one-minute windows. */
  private async limit(viewer: Actor | null, clientIp: string): Promise<void> {
    const { rateLimitPerUser, rateLimitPerIp } = this.config.playback;
    const checks: Array<[string, number]> = [[`ip:${clientIp}`, rateLimitPerIp]];
    if (viewer) checks.push([`user:${viewer.userId}`, rateLimitPerUser]);
    for (const [key, limit] of checks) {
      if (limit === 0) continue;
      const decision = await this.rates.hit(`playback:${key}`, limit, 60);
      if (!decision.allowed) throw new RateLimitedError(decision.retryAfterSeconds);
    }
  }

  /**
   * The poster's URL depends only on the video, the expiry bucket and any premiere: shared too.
   * Like the cookies, it opens no earlier than a premiere's start.
   */
  private signedPosterUrl(url: string, expiresAtEpoch: number, notBeforeEpoch: number | undefined): string {
    return this.cached(`poster:${url}:${expiresAtEpoch}:${notBeforeEpoch ?? ''}`, expiresAtEpoch, () =>
      notBeforeEpoch
        ? this.signer.signUrlWithPolicy(url, filePolicy({ url, expiresAtEpoch, notBeforeEpoch }))
        : this.signer.signUrl(url, new Date(expiresAtEpoch * 1000)),
    );
  }

  /** RSA signing costs about a millisecond; a bounded map of unexpired signatures spares most. */
  private cached<T extends SignedPolicy | string>(key: string, expiresAtEpoch: number, make: () => T): T {
    const now = this.clock.now().getTime();
    const hit = this.signatures.get(key, now) as T | undefined;
    if (hit !== undefined) return hit;
    const made = make();
    this.signatures.set(key, made, expiresAtEpoch * 1000);
    return made;
  }

  async putGrant(actor: Actor, id: string, userId: string, terms: GrantTerms): Promise<Grant> {
    const video = await this.grantable(actor, id);
    const grant = await this.grants.put(video.id, userId, terms);
    await this.changes.viewerChanged(userId);
    this.logger.log(
      `grant on ${video.id} for ${userId} by ${actor.userId}: ${terms.rental ? `rental of ${terms.rental.seconds} s` : 'purchase'}, until ${terms.expiresAt?.toISOString() ?? 'forever'}`,
    );
    return grant;
  }

  async removeGrant(actor: Actor, id: string, userId: string): Promise<void> {
    const video = await this.grantable(actor, id);
    if (!(await this.grants.remove(video.id, userId))) throw new DomainError('not_found', 'No such grant.');
    await this.changes.viewerChanged(userId);
  }

  async listGrants(actor: Actor, id: string): Promise<Grant[]> {
    return this.grants.list((await this.grantable(actor, id)).id);
  }

  /** Grants are managed by the paywall (an admin token) or the video's owner. */
  private async grantable(actor: Actor, id: string): Promise<Video> {
    const video = await loadOwnedVideo(this.store, actor, id);
    if (!isAdmin(actor) && video.ownerId !== actor.userId) throw new DomainError('not_found', 'No such video.');
    return video;
  }
}

/**
 * A stream's slot: the player id the client chose, on the address it plays from. The id alone is
 * the client's word, and three devices sending one id must count as three streams; a player that
 * changes address (a phone leaving Wi-Fi) holds a second slot until the first one's cookies expire.
 */
export function streamSlot(playerId: string | undefined, clientIp: string): string {
  return `${playerId ?? '-'}@${unmapIpv4(clientIp)}`;
}
