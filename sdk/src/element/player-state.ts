import type { VelvetError } from '../errors';

/**
 * What `<velvet-player>` is showing, as its `state` attribute and the `velvet-state` event:
 * - `idle`: no video yet; `loading`: asking for a session;
 * - `not-entitled`: the paywall (the page's `slot="not-entitled"`, its buy button, is shown);
 * - `processing`: not playable yet, with `progress`; asked again until it is;
 * - `premiere`: a countdown until `availableFrom`;
 * - `ready`: playable; `playable-early`: playable while the rest still processes;
 * - `too-many-streams`: the viewer's stream limit; `access-expired`: access ended mid-view;
 * - `unavailable`: past the video's availability; `not-found`; `error`: network, with a retry.
 */
export type PlayerState =
  | 'idle'
  | 'loading'
  | 'not-entitled'
  | 'processing'
  | 'premiere'
  | 'ready'
  | 'playable-early'
  | 'too-many-streams'
  | 'access-expired'
  | 'unavailable'
  | 'not-found'
  | 'error';

/** The state an error leads to, before playback started or during it. */
export function stateOfError(error: Pick<VelvetError, 'code'>, playing: boolean): PlayerState {
  switch (error.code) {
    case 'not_entitled':
    case 'unauthorized':
      return playing ? 'access-expired' : 'not-entitled';
    case 'expired':
      return 'access-expired';
    case 'not_available':
      return 'unavailable';
    case 'not_ready':
      return 'processing';
    case 'too_many_streams':
      return 'too-many-streams';
    case 'not_found':
      return 'not-found';
    default:
      return 'error';
  }
}

/** What the overlay says in each state that has one (the page can replace it with a slot of the state's name). */
export const STATE_MESSAGES: Partial<Record<PlayerState, string>> = {
  'not-entitled': 'This video is for subscribers.',
  processing: 'This video is being prepared.',
  premiere: 'Premieres in',
  'playable-early': 'Still processing: more qualities soon.',
  'too-many-streams': 'You are watching on too many screens at once. Stop one, then watch here.',
  'access-expired': 'Your access to this video has ended.',
  unavailable: 'This video is no longer available.',
  'not-found': 'There is no such video.',
  error: 'The video could not be loaded.',
};

/** `1:02:03`, `2:03`, or `3 d 4:05:06`: the time left until a premiere. */
export function countdownText(milliseconds: number): string {
  const total = Math.max(0, Math.ceil(milliseconds / 1000));
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  const clock = hours > 0 || days > 0 ? `${hours}:${two(minutes)}:${two(seconds)}` : `${minutes}:${two(seconds)}`;
  return days > 0 ? `${days} d ${clock}` : clock;
}

/**
 * The caption track to show for a viewer whose languages are `preferences` (best first, as
 * `navigator.languages`): the first preference any track's language matches, by primary
 * subtag (`fr-CA` matches `fr`); -1 when none does.
 */
export function preferredCaption(tracks: ReadonlyArray<{ language: string }>, preferences: readonly string[]): number {
  const primary = (tag: string) => tag.toLowerCase().split('-')[0] ?? '';
  for (const preference of preferences) {
    const exact = tracks.findIndex((t) => t.language.toLowerCase() === preference.toLowerCase());
    if (exact >= 0) return exact;
    const loose = tracks.findIndex((t) => t.language && primary(t.language) === primary(preference));
    if (loose >= 0) return loose;
  }
  return -1;
}
