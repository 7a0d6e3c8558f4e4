import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/config';
import { DomainError } from '../../domain/errors';
import { ExpiringCache } from '../../domain/expiring-cache';
import { assertVideoId } from '../../domain/ids';
import { videoResourcePrefix } from '../../domain/playback';
import { PlaylistSigningError, signPlaylist } from '../../domain/signed-playlist';
import { CdnSigner } from '../../ports/cdn-signer';
import { Clock } from '../../ports/clock';
import { ObjectStorage } from '../../ports/object-storage';
import { readObjectText } from '../shared/object-text';

// A playlist path below the video's folder: plain names, no dot segments, ending in .m3u8.
const PLAYLIST_PATH = /^(?:[A-Za-z0-9_-][A-Za-z0-9._-]*\/)*[A-Za-z0-9_-][A-Za-z0-9._-]*\.m3u8$/;
// Playlists of a published version never change; a growing one (playable early) gains a segment
// every few seconds: a copy this old is as fresh as a player needs.
const CACHE_MS = 2000;

/**
 * The playlists of `signedManifestUrl` (docs/playback.md, "Playback without cookies"): each
 * request is authorized by the session's CloudFront query exactly as CloudFront would authorize
 * the same path on the CDN (the one-video policy, its expiry, premiere start and IP), then the
 * playlist is read from the bucket and every URI in it signed with that same query.
 */
@Injectable()
export class SignedManifestService {
  private readonly logger = new Logger(SignedManifestService.name);
  private readonly texts = new ExpiringCache<string, Promise<string>>(500);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly signer: CdnSigner,
    private readonly storage: ObjectStorage,
    private readonly clock: Clock,
  ) {}

  /** The signed-manifest URL of a playlist path below a video's folder, without its query. */
  static route(apiBase: string, videoId: string, path: string): string {
    return `${apiBase.replace(/\/+$/, '')}/v1/videos/${videoId}/signed/${path}`;
  }

  async playlist(id: string, path: string, query: string, clientIp: string, apiBase: string): Promise<string> {
    const baseUrl = this.config.cloudfront.baseUrl;
    if (!this.signer.enabled || !baseUrl)
      throw new DomainError('playback_not_configured', 'Playback needs CDN_BASE_URL and a CloudFront signing key.');
    const videoId = assertVideoId(id);
    if (!PLAYLIST_PATH.test(path) || path.split('/').some((s) => s === '.' || s === '..'))
      throw new DomainError('not_found', 'No such playlist.');
    const prefix = videoResourcePrefix(baseUrl, videoId);
    const verdict = this.signer.verifyUrl(`${prefix}${path}?${query}`, clientIp);
    if (!verdict.allow) throw new DomainError('forbidden', `${verdict.code}: ${verdict.message}`);
    const text = await this.read(`videos/${videoId}/${path}`);
    try {
      return signPlaylist(text, {
        playlistUrl: `${prefix}${path}`,
        videoPrefix: prefix,
        signedQuery: cloudFrontParams(query),
        playlistRoute: (below) => SignedManifestService.route(apiBase, videoId, below),
      });
    } catch (error) {
      if (!(error instanceof PlaylistSigningError)) throw error;
      this.logger.error(`video ${videoId}: ${path} cannot be signed: ${error.message}`);
      throw new DomainError('not_found', 'No such playlist.');
    }
  }

  private read(key: string): Promise<string> {
    const now = this.clock.now().getTime();
    const cached = this.texts.get(key, now);
    if (cached) return cached;
    const reading = readObjectText(this.storage, key).catch(() => {
      this.texts.delete(key);
      throw new DomainError('not_found', 'No such playlist.');
    });
    this.texts.set(key, reading, now + CACHE_MS);
    return reading;
  }
}

/** Only CloudFront's own parameters are carried on: nothing else of the client goes into a playlist. */
function cloudFrontParams(query: string): string {
  return query
    .split('&')
    .filter((pair) => /^(?:Policy|Signature|Key-Pair-Id|Hash-Algorithm)=[A-Za-z0-9~_=-]*$/.test(pair))
    .join('&');
}
