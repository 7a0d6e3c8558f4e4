import { Inject, Injectable, Logger } from '@nestjs/common';
import { isIPv4 } from 'node:net';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { DomainError, RateLimitedError } from '../domain/errors';
import { ExpiringCache } from '../domain/expiring-cache';
import { unmapIpv4 } from '../domain/ip';
import { assertVideoId } from '../domain/ids';
import { decideEntitlement, refreshAt, sessionExpiry, videoPolicy, videoResourcePrefix, type Grant } from '../domain/playback';
import { isAdmin, playableVersion, type Actor, type Video } from '../domain/video';
import { CdnSigner, type SignedPolicy } from '../ports/cdn-signer';
import { Clock } from '../ports/clock';
import { GrantStore } from '../ports/grant-store';
import { RateLimiter } from '../ports/rate-limiter';
import { VideoStore } from '../ports/video-store';
import { HotVideos } from './hot-videos';
import { loadOwnedVideo } from './video-access';

export interface PlaybackSession {
  readonly videoId: string;
  readonly manifestUrl: string;
  readonly expiresAt: Date;
  readonly refreshAt: Date;
  /** The server's clock when the session was signed, so clients time the renewal without trusting theirs. */
  readonly issuedAt: Date;
  readonly posterUrl: string | null;
  readonly signed: SignedPolicy;
  /** Where the cookies apply: `/videos/{id}/`. */
  readonly cookiePath: string;
}

// Bounded: one entry per (video, expiry bucket), each kept until its policy expires.
const CACHE_LIMIT = 10_000;

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
  ) {}

  async createSession(viewer: Actor | null, id: string, clientIp: string): Promise<PlaybackSession> {
    const baseUrl = this.config.cloudfront.baseUrl;
    if (!this.signer.enabled || !baseUrl) {
      throw new DomainError('playback_not_configured', 'Playback needs CDN_BASE_URL and a CloudFront signing key.');
    }
    await this.limit(viewer, clientIp);
    const video = await this.hot.find(assertVideoId(id));
    if (!video) throw new DomainError('not_found', 'No such video.');
    const now = this.clock.now();
    let entitlement = decideEntitlement(video, viewer, null, now);
    // Only when nothing but a grant could let this viewer in is the grant worth a query.
    if (viewer && !entitlement.allowed && entitlement.reason === 'not_entitled') {
      entitlement = decideEntitlement(video, viewer, await this.grants.find(video.id, viewer.userId), now);
    }
    if (!entitlement.allowed) {
      if (entitlement.reason === 'hidden') throw new DomainError('not_found', 'No such video.');
      if (entitlement.reason === 'unauthenticated') throw new DomainError('unauthorized', 'A bearer token is required to watch this video.');
      throw new DomainError('not_entitled', 'You are not entitled to watch this video.');
    }
    const version = playableVersion(video);
    if (!version) {
      throw new DomainError('not_ready', `The video is not ready to play (status ${video.status}).`, [{ path: 'status', message: video.status }]);
    }
    const { ttlSeconds, expiryBucketSeconds, bindIp } = this.config.playback;
    const expiresAtEpoch = sessionExpiry(now, ttlSeconds, expiryBucketSeconds, entitlement.until);
    if (expiresAtEpoch <= Math.floor(now.getTime() / 1000)) throw new DomainError('not_entitled', 'Your access to this video has expired.');
    // CloudFront matches IpAddress against IPv4 only; an IPv6 viewer gets an unbound policy.
    const viewerIp = unmapIpv4(clientIp);
    const sourceIp = bindIp && isIPv4(viewerIp) ? viewerIp : undefined;
    const policy = videoPolicy({ cdnBaseUrl: baseUrl, videoId: video.id, expiresAtEpoch, sourceIp });
    // Identical unbound policies are signed once and shared across viewers until they expire.
    const signed = sourceIp ? this.signer.signPolicy(policy) : this.cached(`policy:${policy}`, expiresAtEpoch, () => this.signer.signPolicy(policy));
    const prefix = videoResourcePrefix(baseUrl, video.id);
    return {
      videoId: video.id,
      manifestUrl: `${prefix}hls/${version}/master.m3u8`,
      expiresAt: new Date(expiresAtEpoch * 1000),
      refreshAt: new Date(refreshAt(now, expiresAtEpoch, ttlSeconds) * 1000),
      issuedAt: now,
      posterUrl: video.width ? this.signedPosterUrl(`${prefix}poster.jpg`, expiresAtEpoch) : null,
      signed,
      cookiePath: new URL(prefix).pathname,
    };
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

  /** The poster's canned URL depends only on the video and the expiry bucket: shared too. */
  private signedPosterUrl(url: string, expiresAtEpoch: number): string {
    return this.cached(`poster:${url}:${expiresAtEpoch}`, expiresAtEpoch, () => this.signer.signUrl(url, new Date(expiresAtEpoch * 1000)));
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

  async putGrant(actor: Actor, id: string, userId: string, expiresAt: Date | null): Promise<Grant> {
    const video = await this.grantable(actor, id);
    const grant = await this.grants.put(video.id, userId, expiresAt);
    this.logger.log(`grant on ${video.id} for ${userId} by ${actor.userId}, until ${expiresAt?.toISOString() ?? 'forever'}`);
    return grant;
  }

  async removeGrant(actor: Actor, id: string, userId: string): Promise<void> {
    const video = await this.grantable(actor, id);
    if (!(await this.grants.remove(video.id, userId))) throw new DomainError('not_found', 'No such grant.');
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
