import { STATE_MESSAGES, type PlayerState } from './player-state';

// Every state with a message has a slot of its name: a page replaces the words (or adds its own
// buy button, `slot="not-entitled"`) without touching the element.
const overlays = (Object.entries(STATE_MESSAGES) as Array<[PlayerState, string]>)
  .filter(([state]) => state !== 'playable-early')
  .map(([state, message]) => `<slot name="${state}" data-state="${state}"><p>${message}</p></slot>`)
  .join('');

/**
 * The element's shadow tree: media-chrome's controller around the page's (or its own) `<video>`,
 * the control bar, the menus, and the overlay the paywall states draw in.
 * Themed by the custom properties at the top (docs/player.md lists them).
 */
export const PLAYER_TEMPLATE = `
<style>
  :host {
    display: block;
    position: relative;
    aspect-ratio: var(--velvet-aspect-ratio, 16 / 9);
    background: var(--velvet-background, #000);
    color: var(--velvet-text-color, #fff);
    font: var(--velvet-font, 14px/1.4 system-ui, sans-serif);
    --media-primary-color: var(--velvet-text-color, #fff);
    --media-secondary-color: var(--velvet-control-background, rgb(20 20 30 / 0.8));
    --media-control-background: var(--velvet-control-background, rgb(20 20 30 / 0.8));
    --media-control-hover-background: var(--velvet-control-hover-background, rgb(60 60 80 / 0.9));
    --media-range-bar-color: var(--velvet-accent, #e4405f);
    --media-menu-background: var(--velvet-menu-background, rgb(20 20 30 / 0.95));
    --media-font-family: inherit;
    --media-focus-box-shadow: inset 0 0 0 3px var(--velvet-focus-color, #ffbf47);
  }
  :host([hidden]) { display: none; }
  media-controller { width: 100%; height: 100%; }
  media-control-bar { width: 100%; }
  media-time-range { flex-grow: 1; }
  /* What the browser or the video cannot do is not offered. */
  media-rendition-menu-button[mediarenditionunavailable], media-captions-menu-button:not([mediasubtitleslist]),
  media-pip-button[mediapipunavailable], media-airplay-button[mediaairplayunavailable],
  media-cast-button[mediacastunavailable], media-fullscreen-button[mediafullscreenunavailable],
  media-volume-range[mediavolumeunavailable] { display: none; }
  :focus-visible, ::slotted(:focus-visible) { outline: 3px solid var(--velvet-focus-color, #ffbf47); outline-offset: -3px; }
  .overlay {
    display: none;
    flex-direction: column;
    align-items: center;
    justify-content: center;
    gap: 0.75em;
    padding: 1.5em;
    max-width: 36em;
    text-align: center;
    background: var(--velvet-overlay-background, rgb(0 0 0 / 0.85));
    border-radius: 8px;
  }
  :host([state='not-entitled']) .overlay, :host([state='processing']) .overlay, :host([state='premiere']) .overlay,
  :host([state='too-many-streams']) .overlay, :host([state='access-expired']) .overlay,
  :host([state='unavailable']) .overlay, :host([state='not-found']) .overlay, :host([state='error']) .overlay {
    display: flex;
  }
  .overlay slot[data-state], .overlay .buy, .overlay progress, .overlay .countdown, .overlay .retry { display: none; }
  :host([state='not-entitled']) slot[name='not-entitled'], :host([state='processing']) slot[name='processing'],
  :host([state='premiere']) slot[name='premiere'], :host([state='too-many-streams']) slot[name='too-many-streams'],
  :host([state='access-expired']) slot[name='access-expired'], :host([state='unavailable']) slot[name='unavailable'],
  :host([state='not-found']) slot[name='not-found'], :host([state='error']) slot[name='error'] {
    display: block;
  }
  :host([state='not-entitled']) .buy, :host([state='access-expired']) .buy { display: block; }
  :host([state='processing']) progress { display: block; width: 12em; accent-color: var(--velvet-accent, #e4405f); }
  :host([state='premiere']) .countdown { display: block; font-size: 2em; font-variant-numeric: tabular-nums; }
  :host([state='too-many-streams']) .retry, :host([state='error']) .retry { display: inline-block; }
  .overlay p { margin: 0; }
  .retry {
    font: inherit;
    padding: 0.5em 1.25em;
    color: var(--velvet-button-text-color, #000);
    background: var(--velvet-button-background, #fff);
    border: 0;
    border-radius: 4px;
    cursor: pointer;
  }
  .badge {
    display: none;
    margin: 0.75em;
    padding: 0.25em 0.75em;
    background: var(--velvet-overlay-background, rgb(0 0 0 / 0.85));
    border-radius: 4px;
  }
  :host([state='playable-early']) .badge { display: block; }
</style>
<media-controller part="controller">
  <slot name="media" slot="media"></slot>
  <media-poster-image slot="poster" part="poster"></media-poster-image>
  <media-loading-indicator slot="centered-chrome" noautohide></media-loading-indicator>
  <div class="overlay" slot="centered-chrome" part="overlay" role="status" aria-live="polite" noautohide>
    ${overlays}
    <p class="countdown" part="countdown"></p>
    <progress max="100" part="progress" aria-label="Processing"></progress>
    <div class="buy"><slot name="buy"></slot></div>
    <button type="button" class="retry" part="retry">Try again</button>
  </div>
  <p class="badge" slot="top-chrome" part="badge" role="status">${STATE_MESSAGES['playable-early']}</p>
  <media-captions-menu hidden anchor="auto"></media-captions-menu>
  <media-rendition-menu hidden anchor="auto"></media-rendition-menu>
  <media-playback-rate-menu hidden anchor="auto" rates="0.5 0.75 1 1.25 1.5 2"></media-playback-rate-menu>
  <media-control-bar part="control-bar">
    <media-play-button></media-play-button>
    <media-mute-button></media-mute-button>
    <media-volume-range></media-volume-range>
    <media-time-range></media-time-range>
    <media-time-display showduration notoggle></media-time-display>
    <media-captions-menu-button></media-captions-menu-button>
    <media-rendition-menu-button></media-rendition-menu-button>
    <media-playback-rate-menu-button></media-playback-rate-menu-button>
    <media-pip-button></media-pip-button>
    <media-airplay-button></media-airplay-button>
    <media-cast-button></media-cast-button>
    <media-fullscreen-button></media-fullscreen-button>
  </media-control-bar>
</media-controller>
`;
