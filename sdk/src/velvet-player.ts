/**
 * The script the api serves at `/sdk/velvet-player.js`: `<velvet-player>` defined, hls.js and
 * media-chrome included. `VelvetPlayerElement` is also left on the window for pages without a bundler.
 */
import { defineVelvetPlayer } from './element/velvet-player';

Object.assign(globalThis, { VelvetPlayerElement: defineVelvetPlayer() });
