/**
 * The demo page's script: development users, an upload with progress, live processing status,
 * and playback in `<velvet-player>` (loaded from /sdk/velvet-player.js, as any site loads it)
 * through the edge with signed cookies, including the paywall and a stand-in "buy" (the grants
 * api, called as the paywall). Uses the SDKs exactly as an app would.
 */
import { callApi } from '../sdk/src/api';
import type { VelvetPlayerElement, VelvetStateDetail } from '../sdk/src/element/velvet-player';
import { VelvetError } from '../sdk/src/errors';
import { loadStoryboard, requestDownload } from '../sdk/src/extras';
import { uploadVideo } from '../sdk/src/upload';
import {
  retentionChart,
  summaryText,
  viewerItem,
  viewsPerDayChart,
  type AnalyticsData,
  type ViewerData,
} from './analytics-charts';

const api = location.origin;
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
let token: string | null = null;
let userId: string | null = null;
const player = $<VelvetPlayerElement>('player');
player.getToken = () => token;
const options = () => ({ api, getToken: () => token });

function say(id: string, text: string, error = false): void {
  const el = $(id);
  el.textContent = text;
  el.classList.toggle('error', error);
}

async function devToken(sub: string, roles: string[]): Promise<string> {
  const res = await fetch(`${api}/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sub, roles }),
  });
  if (!res.ok) throw new Error('No development tokens here (npm run dev serves them); paste a token instead.');
  return ((await res.json()) as { token: string }).token;
}

function become(sub: string, newToken: string): void {
  token = newToken;
  userId = sub;
  say('who', `Signed in as ${sub}.`);
  void listVideos();
}

/** The signed-in user's own videos, newest first, each with a button that plays it. */
async function listVideos(): Promise<void> {
  const list = $('videos');
  try {
    const { items } = await callApi<{
      items: Array<{ id: string; title: string; status: string; access: string; playable: boolean }>;
    }>(options(), 'GET', '/v1/videos?limit=20');
    list.replaceChildren(
      ...items.map((video) => {
        const item = document.createElement('li');
        const play = document.createElement('button');
        play.type = 'button';
        play.textContent = 'Play';
        // A preview plays while the rest is still processing.
        play.disabled = !video.playable;
        play.setAttribute('aria-label', `Play ${video.title}`);
        play.addEventListener('click', () => {
          $<HTMLInputElement>('video-id').value = video.id;
          startPlayback(video.id);
        });
        item.append(
          `${video.title} (${video.access}, ${video.status}${video.playable && video.status !== 'ready' ? ', playable' : ''}) `,
          play,
        );
        return item;
      }),
    );
    if (items.length === 0)
      list.replaceChildren(Object.assign(document.createElement('li'), { textContent: 'No videos yet.' }));
  } catch (error) {
    list.replaceChildren(
      Object.assign(document.createElement('li'), { textContent: `Cannot list videos: ${(error as Error).message}` }),
    );
  }
}

$('refresh-videos').addEventListener('click', () => void listVideos());

for (const button of document.querySelectorAll<HTMLButtonElement>('[data-user]')) {
  button.addEventListener('click', () => {
    const creator = button.dataset.user === 'creator';
    const sub = creator ? 'alice' : 'victor';
    devToken(sub, creator ? ['creator'] : []).then(
      (t) => become(sub, t),
      (error: Error) => say('who', error.message, true),
    );
  });
}

$('use-token').addEventListener('click', () => {
  const pasted = $<HTMLTextAreaElement>('own-token').value.trim();
  try {
    const sub = (JSON.parse(atob(pasted.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { sub: string }).sub;
    become(sub, pasted);
  } catch {
    say('who', 'That is not a JWT.', true);
  }
});

$('upload-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const file = $<HTMLInputElement>('file').files?.[0];
  if (!file) return;
  const bar = $<HTMLProgressElement>('upload-progress');
  say('upload-status', 'Uploading…');
  uploadVideo(file, {
    ...options(),
    access: $<HTMLSelectElement>('access').value as 'paid',
    onProgress: ({ loaded, total }) => (bar.value = Math.round((100 * loaded) / total)),
  }).then(
    ({ videoId }) => {
      say('upload-status', `Uploaded: video ${videoId}.`);
      $<HTMLInputElement>('video-id').value = videoId;
      void watchProcessing(videoId);
    },
    (error: Error) => say('upload-status', `Upload failed: ${error.message}`, true),
  );
});

async function watchProcessing(videoId: string): Promise<void> {
  const bar = $<HTMLProgressElement>('processing-progress');
  let wasPlayable = false;
  for (;;) {
    const video = await callApi<{
      status: string;
      progress: number | null;
      playable: boolean;
      error?: { message?: string } | null;
    }>(options(), 'GET', `/v1/videos/${videoId}`);
    bar.value = video.status === 'ready' ? 100 : (video.progress ?? 0);
    const detail =
      video.status === 'processing'
        ? `${video.progress !== null ? ` (${video.progress} %)` : ''}${video.playable ? ', playable' : ''}`
        : '';
    say('processing-status', `Status: ${video.status}${detail}`, video.status === 'failed');
    // Listed again when it becomes playable (its Play button turns on) and when it is done.
    if (video.playable && !wasPlayable) void listVideos();
    wasPlayable = video.playable;
    if (video.status === 'ready' || video.status === 'failed') return listVideos();
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

$('play-form').addEventListener('submit', (event) => {
  event.preventDefault();
  startPlayback($<HTMLInputElement>('video-id').value.trim());
});

function startPlayback(videoId: string): void {
  $('download').hidden = true;
  say('play-status', 'Requesting a playback session…');
  // The same video again (after buying it) asks for a new session; another one loads by itself.
  if (player.videoId === videoId) void player.load();
  else player.videoId = videoId;
}

/** The element's paywall states, told in words above it (its overlay shows them too). */
player.addEventListener('velvet-state', (event) => {
  const { state, error } = (event as CustomEvent<VelvetStateDetail>).detail;
  if (state === 'ready' || state === 'playable-early') {
    const refreshAt = player.session?.refreshAt;
    say('play-status', `Playing; cookies renew at ${refreshAt ? new Date(refreshAt).toLocaleTimeString() : '?'}.`);
    $('download').hidden = false;
    say('download-status', '');
  } else if (state === 'premiere') say('play-status', 'Premiere: it starts when the countdown ends.');
  else if (error) say('play-status', `Cannot play (${error.code}): ${error.message}`, true);
});

$('buy').addEventListener('click', () => {
  const videoId = $<HTMLInputElement>('video-id').value.trim();
  // Stands in for a payment: the paywall grants access with its admin token.
  devToken('paywall', ['admin'])
    .then((paywall) =>
      callApi(
        { api, getToken: () => paywall },
        'PUT',
        `/v1/videos/${videoId}/grants/${encodeURIComponent(userId ?? '')}`,
        {},
      ),
    )
    .then(
      () => void player.load(),
      (error: Error) => say('play-status', `Purchase failed: ${error.message}`, true),
    );
});

$('download').addEventListener('click', () => {
  const videoId = $<HTMLInputElement>('video-id').value.trim();
  say('download-status', 'Asking for a download link…');
  requestDownload(options(), videoId).then(
    (link) => {
      say(
        'download-status',
        `Downloading ${link.filename} (${(link.sizeBytes / 1024 / 1024).toFixed(1)} MB); the link works until ${new Date(link.expiresAt).toLocaleTimeString()}.`,
      );
      location.href = link.url;
    },
    (error: Error) =>
      say(
        'download-status',
        `No download (${error instanceof VelvetError ? error.code : 'network'}): ${error.message}`,
        true,
      ),
  );
});

$('show-analytics').addEventListener('click', () => {
  const videoId = $<HTMLInputElement>('video-id').value.trim();
  if (!videoId) return say('analytics-summary', 'Give a video id above first.', true);
  say('analytics-summary', 'Loading…');
  Promise.all([
    callApi<AnalyticsData>(options(), 'GET', `/v1/videos/${encodeURIComponent(videoId)}/analytics`),
    callApi<{ viewers: ViewerData[] }>(options(), 'GET', `/v1/videos/${encodeURIComponent(videoId)}/viewers`),
  ]).then(
    ([analytics, { viewers }]) => {
      say('analytics-summary', summaryText(analytics));
      $('views-chart').replaceChildren(viewsPerDayChart(analytics.days));
      $('retention-chart').replaceChildren(retentionChart(analytics.retention));
      $('viewers').replaceChildren(...viewers.map(viewerItem));
    },
    (error: Error) => say('analytics-summary', `No analytics: ${error.message}`, true),
  );
});

// The SDKs, for trying them from the browser console (and for the browser tests).
Object.assign(window, {
  Velvet: {
    uploadVideo,
    callApi,
    VelvetError,
    devToken,
    loadStoryboard,
    requestDownload,
    player: () => player,
  },
});
