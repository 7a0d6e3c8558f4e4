import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/config';
import { decideEntitlement, mayDownload, NO_FACTS } from '../../domain/entitlement';
import { DomainError } from '../../domain/errors';
import { assertVideoId } from '../../domain/ids';
import { currentDownload, type Actor } from '../../domain/video';
import { CdnSigner } from '../../ports/cdn-signer';
import { Clock } from '../../ports/clock';
import { EntitlementCache } from './entitlement-cache';
import { HotVideos } from './hot-videos';
import { refusal } from './refusal';

export interface DownloadLink {
  /** A CloudFront signed URL (canned policy) for the one MP4. */
  readonly url: string;
  readonly expiresAt: Date;
  readonly filename: string;
  readonly sizeBytes: number;
}

/**
 * Download links: a viewer the paywall lets in, whose right includes downloading, gets a signed
 * URL for the video's MP4, valid DOWNLOAD_URL_TTL_SECONDS and never past the end of their access.
 */
@Injectable()
export class DownloadsService {
  private readonly logger = new Logger(DownloadsService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly hot: HotVideos,
    private readonly facts: EntitlementCache,
    private readonly signer: CdnSigner,
    private readonly clock: Clock,
  ) {}

  async link(viewer: Actor | null, id: string): Promise<DownloadLink> {
    const baseUrl = this.config.cloudfront.baseUrl;
    if (!this.signer.enabled || !baseUrl)
      throw new DomainError('playback_not_configured', 'Downloads need CDN_BASE_URL and a CloudFront signing key.');
    const video = await this.hot.find(assertVideoId(id));
    if (!video) throw new DomainError('not_found', 'No such video.');
    const now = this.clock.now();
    let facts = NO_FACTS;
    let entitlement = decideEntitlement(video, viewer, facts, now);
    if (viewer && !entitlement.allowed && entitlement.reason === 'not_entitled') {
      facts = await this.facts.get(video.id, viewer.userId);
      entitlement = decideEntitlement(video, viewer, facts, now);
    }
    if (!entitlement.allowed) throw refusal(entitlement.reason, 'download');
    // A rental starts its clock only by playing: asking for a download never does.
    if (entitlement.startsRental && !mayDownload(video, viewer, facts, now))
      throw notDownloadable('A rental does not include downloading.');
    if (entitlement.notBefore)
      throw new DomainError('not_available', 'This video premieres later; it can be downloaded from then.', [
        { path: 'availableFrom', message: entitlement.notBefore.toISOString() },
      ]);
    if (!video.downloadable) throw notDownloadable('The creator has not made this video downloadable.');
    if (!mayDownload(video, viewer, facts, now))
      throw notDownloadable('Your access to this video does not include downloading.');
    const file = currentDownload(video);
    if (!file) throw new DomainError('not_ready', 'The download is still being made; try again in a moment.');

    const wanted = now.getTime() + this.config.downloads.urlTtlSeconds * 1000;
    const expiresAt = new Date(Math.floor(Math.min(wanted, entitlement.until?.getTime() ?? wanted) / 1000) * 1000);
    const url = this.signer.signUrl(`${baseUrl.replace(/\/+$/, '')}/${file.key}`, expiresAt);
    this.logger.log(
      `download link for ${video.id} to ${viewer?.userId ?? 'anonymous'}, until ${expiresAt.toISOString()}`,
    );
    return { url, expiresAt, filename: file.filename, sizeBytes: file.sizeBytes };
  }
}

function notDownloadable(message: string): DomainError {
  return new DomainError('not_downloadable', message);
}
