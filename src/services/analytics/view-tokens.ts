import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/config';
import { DomainError } from '../../domain/errors';
import { newPrefixedId } from '../../domain/ids';
import { readViewToken, signViewToken, type ViewClaims } from '../../domain/view-token';
import { Clock } from '../../ports/clock';

// Beacons sent as a page closes may land after the session's cookies expired.
const GRACE_SECONDS = 15 * 60;

/** Mints and reads the view tokens playback sessions carry (domain/view-token.ts). */
@Injectable()
export class ViewTokens {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /**
   * A token for a session of `videoId` until `sessionExpiresAt`. Renewing a session with the
   * token it had keeps the same view (a renewal is not another view) when that token is genuine
   * and names the same video and viewer; otherwise a new view. Null without a key.
   */
  issue(
    video: { id: string; durationSeconds: number | null },
    viewerId: string | null,
    sessionExpiresAt: Date,
    previous?: string,
  ): string | null {
    const key = this.config.analytics.viewTokenKey;
    if (!key) return null;
    const now = Math.floor(this.clock.now().getTime() / 1000);
    const continued = previous ? this.continued(previous, video.id, viewerId) : null;
    return signViewToken(
      {
        viewId: continued?.viewId ?? newPrefixedId('view'),
        videoId: video.id,
        viewerId,
        durationSeconds: video.durationSeconds ?? 0,
        startedAtEpoch: continued?.startedAtEpoch ?? now,
        expiresAtEpoch: Math.floor(sessionExpiresAt.getTime() / 1000) + GRACE_SECONDS,
      },
      key,
    );
  }

  /** The claims of a token beacons carry; `invalid_view_token` when it is not one, or expired. */
  read(token: unknown): ViewClaims {
    const key = this.config.analytics.viewTokenKey;
    if (!key) throw new DomainError('invalid_view_token', 'View tokens are not issued here.');
    return readViewToken(token, key, Math.floor(this.clock.now().getTime() / 1000));
  }

  private continued(token: string, videoId: string, viewerId: string | null): ViewClaims | null {
    try {
      const claims = this.read(token);
      return claims.videoId === videoId && claims.viewerId === viewerId ? claims : null;
    } catch {
      return null;
    }
  }
}
