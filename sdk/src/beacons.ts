import { Events, type ErrorData, type LevelSwitchedData } from 'hls.js';
import type Hls from 'hls.js';
import { WatchTracker } from './watch-tracker';

export interface ReporterOptions {
  /** The api's base URL. */
  readonly api: string;
  readonly video: HTMLVideoElement;
  readonly hls: Hls | null;
  /** The current session's view token (it changes, the view does not, at each renewal). */
  readonly viewToken: () => string | null | undefined;
  /** When the session was requested (performance.now()): startup is timed from it. */
  readonly requestedAt: number;
}

interface BeaconEvent {
  seq: number;
  type: 'heartbeat' | 'pause' | 'seek' | 'ended' | 'rendition' | 'error' | 'hidden';
  positionSeconds: number;
  intervals: Array<[number, number]>;
  startupMs?: number;
  rebufferCount?: number;
  rebufferMs?: number;
  error?: string;
  rendition?: string;
}

const HEARTBEAT_MS = 10_000;
// What the api takes in one batch; older unsent events beyond it are dropped, never the newest.
const MAX_BATCH = 50;

/**
 * Reports a view while it plays (docs/analytics.md): every 10 s, and at pause, seek, end,
 * rendition switch, error and page hide, what played since the last report, the position and
 * the quality of experience. Sent as text/plain (no CORS preflight; `navigator.sendBeacon` on
 * page hide, so the last report leaves with the page). Never holds playback back: a report
 * that fails is sent again with the next one (the api records each event once).
 */
export function reportPlayback(o: ReporterOptions): { stop(): void } {
  const { video, hls } = o;
  const tracker = new WatchTracker();
  const pending: BeaconEvent[] = [];
  let seq = 0;
  let startupMs: number | undefined;
  let startupSent = false;
  let stalledAt: number | undefined;
  let rebufferCount = 0;
  let rebufferMs = 0;
  let rendition: string | undefined;
  const url = `${o.api.replace(/\/+$/, '')}/v1/playback-events`;

  const send = (type: BeaconEvent['type'], extra: Partial<BeaconEvent> = {}, leaving = false) => {
    const token = o.viewToken();
    if (!token) return;
    pending.push({
      seq: seq++,
      type,
      positionSeconds: Number.isFinite(video.currentTime) ? video.currentTime : 0,
      intervals: tracker.take(),
      ...(startupMs !== undefined && !startupSent ? { startupMs } : {}),
      ...(rebufferCount > 0 ? { rebufferCount, rebufferMs: Math.round(rebufferMs) } : {}),
      ...(rendition ? { rendition } : {}),
      ...extra,
    });
    if (startupMs !== undefined) startupSent = true;
    rebufferCount = 0;
    rebufferMs = 0;
    pending.splice(0, Math.max(0, pending.length - MAX_BATCH));
    const batch = pending.splice(0);
    const body = JSON.stringify({ viewToken: token, events: batch });
    if (leaving && typeof navigator.sendBeacon === 'function' && navigator.sendBeacon(url, body)) return;
    fetch(url, { method: 'POST', body, headers: { 'content-type': 'text/plain' }, keepalive: true })
      .then((res) => {
        // A refused batch (4xx) would be refused again; a server that failed (5xx) gets it back.
        if (res.status >= 500) pending.unshift(...batch);
      })
      .catch(() => pending.unshift(...batch));
  };

  const visible = () => typeof document === 'undefined' || document.visibilityState === 'visible';
  const on = (name: string, handler: () => void) => video.addEventListener(name, handler);
  on('timeupdate', () => {
    if (!video.paused && !video.seeking && visible()) tracker.playingAt(video.currentTime);
  });
  on('playing', () => {
    // Where playing starts, not the first timeupdate a quarter second later.
    if (visible()) tracker.playingAt(video.currentTime);
    if (startupMs === undefined) startupMs = Math.round(performance.now() - o.requestedAt);
    if (stalledAt !== undefined) rebufferMs += performance.now() - stalledAt;
    stalledAt = undefined;
  });
  on('waiting', () => {
    tracker.stop();
    // A stall after playback began; the wait for the first frame is startup, not rebuffering.
    if (startupMs !== undefined && stalledAt === undefined && !video.seeking) {
      rebufferCount++;
      stalledAt = performance.now();
    }
  });
  on('pause', () => {
    // Where it paused, not the last timeupdate before.
    if (tracker.counting) tracker.playingAt(video.currentTime);
    tracker.stop();
    if (!video.ended) send('pause');
  });
  on('seeking', () => {
    tracker.stop();
    send('seek');
  });
  on('ended', () => {
    tracker.stop();
    send('ended');
  });
  hls?.on(Events.LEVEL_SWITCHED, (_event, data: LevelSwitchedData) => {
    const level = hls.levels[data.level];
    rendition = level?.height ? `${level.height}p` : String(data.level);
    send('rendition');
  });
  hls?.on(Events.ERROR, (_event, data: ErrorData) => {
    if (data.fatal) send('error', { error: data.details.slice(0, 64) });
  });
  const onVisibility = () => {
    if (visible()) return;
    // A hidden tab stops counting until it is shown again.
    tracker.stop();
    send('hidden', {}, true);
  };
  const onPageHide = () => {
    tracker.stop();
    send('hidden', {}, true);
  };
  document.addEventListener('visibilitychange', onVisibility);
  window.addEventListener('pagehide', onPageHide);
  const heartbeat = setInterval(() => {
    if (tracker.counting || pending.length > 0) send('heartbeat');
  }, HEARTBEAT_MS);

  return {
    stop() {
      clearInterval(heartbeat);
      document.removeEventListener('visibilitychange', onVisibility);
      window.removeEventListener('pagehide', onPageHide);
      tracker.stop();
      send('hidden', {}, true);
    },
  };
}
