import 'media-tracks/polyfill';
import 'media-chrome/dist/media-controller.js';
import 'media-chrome/dist/media-control-bar.js';
import 'media-chrome/dist/media-play-button.js';
import 'media-chrome/dist/media-mute-button.js';
import 'media-chrome/dist/media-volume-range.js';
import 'media-chrome/dist/media-time-range.js';
import 'media-chrome/dist/media-time-display.js';
import 'media-chrome/dist/media-pip-button.js';
import 'media-chrome/dist/media-airplay-button.js';
import 'media-chrome/dist/media-cast-button.js';
import 'media-chrome/dist/media-fullscreen-button.js';
import 'media-chrome/dist/media-poster-image.js';
import 'media-chrome/dist/media-loading-indicator.js';
import 'media-chrome/dist/menu/media-chrome-menu-item.js';
import 'media-chrome/dist/menu/media-captions-menu.js';
import 'media-chrome/dist/menu/media-captions-menu-button.js';
import 'media-chrome/dist/menu/media-rendition-menu.js';
import 'media-chrome/dist/menu/media-rendition-menu-button.js';
import 'media-chrome/dist/menu/media-playback-rate-menu.js';
import 'media-chrome/dist/menu/media-playback-rate-menu-button.js';
import { En } from 'media-chrome/dist/lang/en.js';
import { addTranslation } from 'media-chrome/dist/utils/i18n.js';
import type Hls from 'hls.js';
import type { ApiOptions } from '../api';
import { VelvetError } from '../errors';
import { loadStoryboard, type StoryboardTile } from '../extras';
import { createVelvetPlayer, type PlaybackEngine, type PlaybackSession, type VelvetPlayer } from '../player';
import { countdownText, preferredCaption, stateOfError, type PlayerState } from './player-state';
import { bridgeRenditions } from './renditions';
import { PLAYER_TEMPLATE } from './template';
import { showThumbnails } from './thumbnails';

/** What the `velvet-state` event carries. */
export interface VelvetStateDetail {
  readonly state: PlayerState;
  readonly previous: PlayerState;
  readonly videoId: string | null;
  /** Why, for the states an error leads to. */
  readonly error?: { readonly code: string; readonly message: string; readonly status?: number };
  /** `processing` and `playable-early`: how far processing has gone (0–100), when known. */
  readonly progress?: number | null;
  /** `premiere`: when it starts. */
  readonly availableFrom?: string | null;
}

// The rate button shows "1.5x": its name must contain what it shows (WCAG 2.5.3, axe's
// label-content-name-mismatch), which media-chrome's English "Playback rate 1.5" does not.
addTranslation('en', { ...En, 'Playback rate {playbackRate}': 'Playback rate {playbackRate}x' });

// A video still processing is asked for again, at most this often.
const PROCESSING_POLL_MS = 5000;
const SUBTITLE_KINDS = new Set(['subtitles', 'captions']);
const PLAYING = new Set<PlayerState>(['ready', 'playable-early', 'premiere', 'loading']);

// Importable where there is no DOM (a server rendering the page): defining it needs one.
const Base = (globalThis.HTMLElement ?? class {}) as typeof HTMLElement;

/**
 * `<velvet-player video-id="…" api="https://api.example.com" token="…">`: a Velvet video with its
 * paywall, on media-chrome and hls.js (docs/player.md). `getToken`, a function returning a fresh
 * token, takes the place of the `token` attribute. The page's own `<video slot="media">`, if
 * given, is the one played; its `slot="buy"` content is shown where the paywall stops the viewer.
 */
export class VelvetPlayerElement extends Base {
  static readonly observedAttributes = ['video-id', 'api', 'token', 'engine'];

  /** Returns the viewer's bearer token (preferred to the `token` attribute: it can renew it). */
  getToken?: ApiOptions['getToken'];

  #player: VelvetPlayer | null = null;
  #state: PlayerState = 'idle';
  #generation = 0;
  #timers = new Set<ReturnType<typeof setTimeout>>();
  #undo: Array<() => void> = [];
  #reload = false;
  // The storyboard's tiles, read once a load: a renewal only signs their sprites anew.
  #tiles: Promise<StoryboardTile[]> = Promise.resolve([]);

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    root.innerHTML = PLAYER_TEMPLATE;
    root.querySelector('.retry')!.addEventListener('click', () => void this.retry());
  }

  connectedCallback(): void {
    if (!this.media) {
      const video = document.createElement('video');
      video.slot = 'media';
      video.playsInline = true;
      this.append(video);
    }
    if (!this.hasAttribute('state')) this.setAttribute('state', this.#state);
    this.#scheduleLoad();
  }

  disconnectedCallback(): void {
    this.#generation++;
    this.#teardown();
  }

  attributeChangedCallback(name: string, previous: string | null, value: string | null): void {
    if (previous === value || !this.isConnected) return;
    if (name === 'token') this.#tokenChanged();
    else this.#scheduleLoad();
  }

  /** The `<video>` played (the page's `slot="media"` one, or the element's own). */
  get media(): HTMLVideoElement | null {
    return this.querySelector(':scope > video[slot=media]');
  }

  get state(): PlayerState {
    return this.#state;
  }

  get session(): PlaybackSession | null {
    return this.#player?.session ?? null;
  }

  /** The hls.js instance, or null (native HLS, or nothing playing). */
  get hls(): Hls | null {
    return this.#player?.hls ?? null;
  }

  /** The `token` attribute; set to a function, it is `getToken` (a fresh token at each call). */
  get token(): string | null {
    return this.getAttribute('token');
  }

  set token(value: string | null | NonNullable<ApiOptions['getToken']>) {
    if (typeof value === 'function') {
      this.getToken = value;
      this.#tokenChanged();
    } else if (value) this.setAttribute('token', value);
    else this.removeAttribute('token');
  }

  get videoId(): string | null {
    return this.getAttribute('video-id');
  }

  set videoId(id: string | null) {
    if (id) this.setAttribute('video-id', id);
    else this.removeAttribute('video-id');
  }

  /** Asks for a session again and plays from `startAt` (seconds; the viewer's progress when not given). */
  load(startAt?: number): Promise<void> {
    return this.#load(startAt);
  }

  /** After a network error or the stream limit: plays on from where it stopped. */
  retry(): Promise<void> {
    const at = this.media?.currentTime ?? 0;
    return this.#load(at > 0 ? at : undefined);
  }

  // A new token is read at the next request; it starts over only a view it may let in (a
  // viewer who just signed in), never one that plays.
  #tokenChanged(): void {
    if (!PLAYING.has(this.#state)) this.#scheduleLoad();
  }

  // Several attributes set together (video-id, then token) make one load.
  #scheduleLoad(): void {
    if (this.#reload) return;
    this.#reload = true;
    queueMicrotask(() => {
      this.#reload = false;
      if (this.isConnected) void this.#load();
    });
  }

  /** `polling`: asked again while processing, which stays the state until the answer changes. */
  async #load(startAt?: number, polling = false): Promise<void> {
    const generation = ++this.#generation;
    this.#teardown();
    const videoId = this.videoId;
    const video = this.media;
    if (!videoId || !video) return this.#setState('idle');
    if (!polling) this.#setState('loading');
    const current = () => generation === this.#generation;
    try {
      const player = await createVelvetPlayer({
        api: this.getAttribute('api') || location.origin,
        getToken: () => (this.getToken ? this.getToken() : this.getAttribute('token')),
        videoId,
        video,
        startAt,
        resume: !this.hasAttribute('no-resume'),
        engine: (this.getAttribute('engine') as PlaybackEngine | null) ?? 'auto',
        onError: (error) => {
          if (current()) this.#failed(error, true);
        },
        onSession: (session) => {
          if (current()) this.#dress(session);
        },
      });
      if (!current()) return player.destroy();
      this.#player = player;
      this.#started(player);
    } catch (error) {
      if (current())
        this.#failed(error instanceof VelvetError ? error : new VelvetError('network', String(error)), false);
    }
  }

  #started(player: VelvetPlayer): void {
    const { session } = player;
    const video = this.media!;
    if (player.hls) this.#undo.push(bridgeRenditions(player.hls, video));
    this.#undo.push(this.#captionsByPreference(video));
    // A storyboard that cannot be read leaves the seek bar without previews; playback goes on.
    this.#tiles = session.storyboardUrl ? loadStoryboard(session.storyboardUrl).catch(() => []) : Promise.resolve([]);
    this.#dress(session);
    const startsIn =
      session.availableFrom && session.issuedAt ? Date.parse(session.availableFrom) - Date.parse(session.issuedAt) : 0;
    if (startsIn > 0) this.#countdown(Date.now() + startsIn, session);
    else this.#playable(session);
  }

  #playable(session: PlaybackSession): void {
    this.#setState(session.playableEarly ? 'playable-early' : 'ready', { progress: session.progress ?? null });
    if (this.hasAttribute('autoplay')) void this.media?.play().catch(() => undefined);
  }

  /** The poster and the seek-bar previews of a (renewed) session: signed with it. */
  #dress(session: PlaybackSession): void {
    const poster = this.shadowRoot!.querySelector('media-poster-image')!;
    if (session.posterUrl) poster.setAttribute('src', session.posterUrl);
    else poster.removeAttribute('src');
    const video = this.media!;
    const loaded = this.#tiles;
    // Another video loaded meanwhile owns the track now.
    void loaded.then((tiles) => loaded === this.#tiles && showThumbnails(video, tiles, session.signedQuery));
  }

  #countdown(startsAt: number, session: PlaybackSession): void {
    const text = this.shadowRoot!.querySelector('.countdown')!;
    const tick = () => {
      const left = startsAt - Date.now();
      if (left <= 0) return this.#playable(session);
      text.textContent = countdownText(left);
      this.#after(Math.min(1000, left), tick);
    };
    text.textContent = countdownText(startsAt - Date.now());
    this.#setState('premiere', { availableFrom: session.availableFrom ?? null });
    this.#after(Math.min(1000, startsAt - Date.now()), tick);
  }

  #failed(error: VelvetError, playing: boolean): void {
    const state = stateOfError(error, playing);
    const progress = typeof error.problem?.progress === 'number' ? error.problem.progress : null;
    if (state !== 'error' || playing) {
      // The view cannot go on: stop it, and free its stream slot.
      this.media?.pause();
      this.#teardown();
    }
    (this.shadowRoot!.querySelector('progress') as HTMLProgressElement).value = progress ?? 0;
    this.#setState(state, {
      error: { code: error.code, message: error.message, ...(error.status ? { status: error.status } : {}) },
      ...(state === 'processing' ? { progress } : {}),
    });
    if (state === 'processing') this.#after(PROCESSING_POLL_MS, () => void this.#load(undefined, true));
  }

  /** Turns on the captions in the viewer's language, once the tracks are known (docs/player.md). */
  #captionsByPreference(video: HTMLVideoElement): () => void {
    if (this.getAttribute('captions') === 'off') return () => undefined;
    let chosen = false;
    const choose = () => {
      const tracks = [...video.textTracks].filter((t) => SUBTITLE_KINDS.has(t.kind));
      if (chosen || tracks.length === 0) return;
      if (tracks.some((t) => t.mode === 'showing')) return void (chosen = true);
      const stored = safeStorage('media-chrome-pref-subtitles-lang');
      const wanted = [this.getAttribute('captions-lang'), stored, ...navigator.languages].filter((l): l is string =>
        Boolean(l),
      );
      const index = preferredCaption(tracks, wanted);
      if (index < 0) return;
      chosen = true;
      tracks[index]!.mode = 'showing';
    };
    // hls.js adds the tracks one at a time; the choice waits for the set.
    const later = () => this.#after(0, choose);
    video.textTracks.addEventListener('addtrack', later);
    later();
    return () => video.textTracks.removeEventListener('addtrack', later);
  }

  #setState(state: PlayerState, extra: Partial<VelvetStateDetail> = {}): void {
    const previous = this.#state;
    this.#state = state;
    this.setAttribute('state', state);
    const detail: VelvetStateDetail = { state, previous, videoId: this.videoId, ...extra };
    this.dispatchEvent(new CustomEvent('velvet-state', { detail, bubbles: true, composed: true }));
  }

  #after(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      run();
    }, ms);
    this.#timers.add(timer);
  }

  #teardown(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const undo of this.#undo.splice(0)) undo();
    this.#player?.destroy();
    this.#player = null;
  }
}

function safeStorage(key: string): string | null {
  try {
    return globalThis.localStorage?.getItem(key) ?? null;
  } catch {
    // Storage refused (a sandboxed frame, privacy settings): no stored preference.
    return null;
  }
}

/** Defines `<velvet-player>` (or the given name) once; returns the class. */
export function defineVelvetPlayer(name = 'velvet-player'): typeof VelvetPlayerElement {
  if (!customElements.get(name)) customElements.define(name, VelvetPlayerElement);
  return VelvetPlayerElement;
}
