import Hls, { ErrorTypes, Events, type ErrorData } from 'hls.js';
import { callApi, type ApiOptions } from './api';
import { reportPlayback } from './beacons';
import { VelvetError } from './errors';

export interface PlaybackSession {
  readonly videoId: string;
  readonly manifestUrl: string;
  readonly expiresAt: string;
  readonly refreshAt: string;
  /** The server's clock at signing (absent from older servers). */
  readonly issuedAt?: string;
  readonly posterUrl: string | null;
  /** Seek-bar previews as WebVTT over sprite sheets (loadStoryboard); null without. */
  readonly storyboardUrl?: string | null;
  readonly signedQuery: string;
  /** A premiere not started yet: the CDN serves nothing before this moment (absent from older servers). */
  readonly availableFrom?: string | null;
  /** What the player's beacons carry (absent from older servers: no beacons). */
  readonly viewToken?: string | null;
  /**
   * The same session for a player that holds no cookies (AirPlay, Cast, native players): every
   * playlist it leads to is signed (absent from older servers).
   */
  readonly signedManifestUrl?: string;
  /** The video is still processing and this session plays what is ready early (absent from older servers). */
  readonly playableEarly?: boolean;
  /** How far processing has gone (0–100) while it goes on; null once ready. */
  readonly progress?: number | null;
}

/**
 * How the browser plays the HLS: `mse` is hls.js with the cookies; `native` is the browser's own
 * HLS on `signedManifestUrl`, no cookie needed (AirPlay keeps playing); `auto` is native on
 * Safari, where AirPlay lives, and hls.js wherever it runs elsewhere.
 */
export type PlaybackEngine = 'auto' | 'mse' | 'native';

export interface PlayerOptions extends ApiOptions {
  readonly videoId: string;
  readonly video: HTMLVideoElement;
  /** This player's id for the stream limit; one is made up per player when not given. */
  readonly playerId?: string;
  /** Told about every error that stops playback (after the one refresh-and-retry on a 403). */
  readonly onError?: (error: VelvetError) => void;
  /** Told each time the session (and so the cookies) is renewed. */
  readonly onSession?: (session: PlaybackSession) => void;
  /**
   * Start where this signed-in viewer stopped (their progress; a video watched to its end starts
   * over). Default true; false starts at 0.
   */
  readonly resume?: boolean;
  /** Report the view while it plays (docs/analytics.md). Default true. */
  readonly report?: boolean;
  /** Start here (seconds) instead of the viewer's progress: a retry picking up where it stopped. */
  readonly startAt?: number;
  /** Default `auto`. */
  readonly engine?: PlaybackEngine;
}

export interface VelvetPlayer {
  readonly session: PlaybackSession;
  /** The hls.js instance, or null where native HLS plays (Safari on iOS). */
  readonly hls: Hls | null;
  /** Renews the session now (the cookies are replaced in place). */
  refresh(): Promise<PlaybackSession>;
  destroy(): void;
}

// The CDN's 403 after a refresh-and-retry means the cookies cannot be renewed into access.
const CDN_FORBIDDEN = 403;
// A renewal the api could not answer is tried again this often until the cookies lapse.
const RENEW_RETRY_MS = 10_000;

/**
 * Requests a playback session (the api sets the CloudFront cookies for this video's path), then
 * plays its HLS through the CDN with those cookies, renewing them before `refreshAt`.
 * Throws a VelvetError (`not_entitled`, `not_ready`, `not_found`, `unauthorized`, `network`)
 * when there is no session to play.
 */
export async function createVelvetPlayer(options: PlayerOptions): Promise<VelvetPlayer> {
  const { video } = options;
  // Every session request carries it: the request is the heartbeat that holds this player's stream slot.
  const playerId = options.playerId ?? randomPlayerId();
  const requestedAt = performance.now();
  // Both at once: resuming costs no time before the first segment is asked for.
  const [first, resumeAt] = await Promise.all([
    requestSession(options, playerId),
    options.startAt !== undefined ? options.startAt : options.resume === false ? 0 : resumePosition(options),
  ]);
  let session = first;
  let reporter: { stop(): void } | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let destroyed = false;
  let retried = false;
  let renewed: ((next: PlaybackSession) => void) | undefined;

  const fail = (error: VelvetError) => {
    if (!destroyed) options.onError?.(error);
  };

  const refresh = async (): Promise<PlaybackSession> => {
    // The session's view token goes back, so a renewal goes on counting the same view.
    session = await requestSession(options, playerId, session.viewToken);
    renewed?.(session);
    options.onSession?.(session);
    schedule();
    return session;
  };

  const schedule = () => {
    clearTimeout(timer);
    // Timed on the server's clock (refreshAt − issuedAt), so a skewed client clock neither
    // renews in a loop nor lets the cookies lapse.
    const issued = session.issuedAt ? Date.parse(session.issuedAt) : Date.now();
    const wait = Math.max(1000, Date.parse(session.refreshAt) - issued);
    // When the cookies lapse, on this clock.
    const lapse = Date.now() + Date.parse(session.expiresAt) - issued;
    const renew = () => {
      refresh().catch((error: unknown) => {
        const failed = asVelvetError(error);
        // An api that could not answer is asked again while the cookies still hold; a refusal is final.
        if (answerable(failed) && Date.now() + RENEW_RETRY_MS < lapse) timer = setTimeout(renew, RENEW_RETRY_MS);
        else fail(failed);
      });
    };
    timer = setTimeout(renew, wait);
  };

  let hls: Hls | null = null;
  const engine = chooseEngine(options.engine ?? 'auto', video, first);
  if (engine === 'mse') {
    hls = new Hls({
      // A video still processing plays its preview, a growing (EVENT) playlist: start it at the
      // beginning, never at its live edge (the playlists also say so with EXT-X-START).
      startPosition: resumeAt,
      xhrSetup: (xhr) => {
        xhr.withCredentials = true;
      },
    });
    const player = hls;
    player.on(Events.FRAG_LOADED, () => {
      retried = false;
    });
    player.on(Events.ERROR, (_event, data: ErrorData) => {
      const status = data.response?.code;
      if (status === CDN_FORBIDDEN && (data.fatal || data.type === ErrorTypes.NETWORK_ERROR)) {
        if (retried) return fail(new VelvetError('expired', 'The CDN refused the session after a refresh.', status));
        retried = true;
        // Expired or rotated cookies: renew once, then pick up where loading stopped.
        refresh().then(
          () => {
            if (data.fatal) {
              player.loadSource(session.manifestUrl);
              player.startLoad();
            }
          },
          (error: unknown) => fail(asVelvetError(error)),
        );
        return;
      }
      if (!data.fatal) return;
      if (data.type === ErrorTypes.MEDIA_ERROR) return player.recoverMediaError();
      fail(new VelvetError('network', `Playback stopped: ${data.details}.`, status || undefined));
    });
    player.attachMedia(video);
    // A premiere: the cookies are already set, but the CDN refuses every file until it starts.
    startAtPremiere(session, () => {
      if (!destroyed) player.loadSource(session.manifestUrl);
    });
  } else {
    playNatively(video, session, resumeAt, (start) => startAtPremiere(session, () => destroyed || start()));
    // The signed URL expires with the session: the renewed one takes over at the same moment.
    renewed = (next) => {
      if (next.signedManifestUrl) swapSource(video, next.signedManifestUrl);
    };
  }
  schedule();
  if (options.report !== false)
    reporter = reportPlayback({ api: options.api, video, hls, viewToken: () => session.viewToken, requestedAt });

  return {
    get session() {
      return session;
    },
    hls,
    refresh,
    destroy() {
      destroyed = true;
      clearTimeout(timer);
      reporter?.stop();
      hls?.destroy();
      // Frees the stream slot now rather than when the cookies lapse; nothing to do if it fails.
      callApi(options, 'DELETE', `/v1/playback-sessions/${encodeURIComponent(playerId)}`).catch(() => undefined);
    },
  };
}

function requestSession(options: PlayerOptions, playerId: string, viewToken?: string | null): Promise<PlaybackSession> {
  return callApi<PlaybackSession>(
    options,
    'POST',
    `/v1/videos/${encodeURIComponent(options.videoId)}/playback-sessions`,
    viewToken ? { playerId, viewToken } : { playerId },
  );
}

/** Where a signed-in viewer resumes (0 anonymous, or when the progress cannot be read). */
async function resumePosition(options: PlayerOptions): Promise<number> {
  if (!(await options.getToken?.())) return 0;
  try {
    const progress = await callApi<{ resumeSeconds?: number }>(
      options,
      'GET',
      `/v1/videos/${encodeURIComponent(options.videoId)}/progress`,
    );
    return typeof progress.resumeSeconds === 'number' && progress.resumeSeconds > 0 ? progress.resumeSeconds : 0;
  } catch {
    return 0;
  }
}

/** Which engine plays this session in this browser (see PlaybackEngine). */
function chooseEngine(wanted: PlaybackEngine, video: HTMLVideoElement, session: PlaybackSession): 'mse' | 'native' {
  const mse = Hls.isSupported();
  const native = video.canPlayType('application/vnd.apple.mpegurl') !== '';
  // Chromium answers "maybe" for native HLS too; Safari alone has AirPlay's target picker.
  const safari = 'WebKitPlaybackTargetAvailabilityEvent' in globalThis;
  const nativeFirst =
    wanted === 'native' || (wanted === 'auto' && (!mse || (safari && Boolean(session.signedManifestUrl))));
  if (native && (nativeFirst || !mse)) return 'native';
  if (mse) return 'mse';
  throw new VelvetError('network', 'This browser can play HLS neither through hls.js nor natively.');
}

/**
 * The browser's own HLS: on `signedManifestUrl` (no cookie, so AirPlay and the like keep
 * playing), or on the cookies from servers older than it.
 */
function playNatively(
  video: HTMLVideoElement,
  session: PlaybackSession,
  resumeAt: number,
  whenAvailable: (start: () => void) => void,
): void {
  if (session.signedManifestUrl) video.removeAttribute('crossorigin');
  else video.crossOrigin = 'use-credentials';
  if (resumeAt > 0) video.addEventListener('loadedmetadata', () => (video.currentTime = resumeAt), { once: true });
  whenAvailable(() => (video.src = session.signedManifestUrl ?? session.manifestUrl));
}

/** A new source at the same moment, playing on if it was playing. */
function swapSource(video: HTMLVideoElement, url: string): void {
  if (!video.src) return;
  const at = video.currentTime;
  const playing = !video.paused;
  video.addEventListener(
    'loadedmetadata',
    () => {
      video.currentTime = at;
      if (playing) void video.play().catch(() => undefined);
    },
    { once: true },
  );
  video.src = url;
}

/** Runs `start` now, or at the premiere, timed on the server's clock (availableFrom − issuedAt). */
function startAtPremiere(session: PlaybackSession, start: () => void): void {
  const wait =
    session.availableFrom && session.issuedAt ? Date.parse(session.availableFrom) - Date.parse(session.issuedAt) : 0;
  if (wait > 0) setTimeout(start, wait);
  else start();
}

function randomPlayerId(): string {
  // randomUUID needs a secure context; a page on plain http still gets an id unique enough.
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 14)}`;
}

/** A failure that asking again may cure: no answer, a server error, or too many requests. */
function answerable(error: VelvetError): boolean {
  return error.code === 'network' || error.code === 'rate_limited' || (error.status ?? 0) >= 500;
}

function asVelvetError(error: unknown): VelvetError {
  return error instanceof VelvetError ? error : new VelvetError('network', String(error));
}
