/**
 * The stretches of the media timeline a player actually played, from its `timeupdate` samples:
 * what the playback beacons report (the server merges them into coverage and sums them into
 * watch time). A stretch ends at a pause, a seek, a stall or a hidden page, and at any jump in
 * the samples (a seek the player did not announce).
 */
export class WatchTracker {
  private start: number | null = null;
  private last = 0;
  private closed: Array<[number, number]> = [];

  /** A sample while playing, at media time `t` (seconds). */
  playingAt(t: number): void {
    if (!Number.isFinite(t)) return;
    if (this.start !== null && (t < this.last || t - this.last > MAX_STEP_SECONDS)) this.stop();
    if (this.start === null) this.start = t;
    this.last = t;
  }

  /** Playback stopped counting (pause, seek, stall, end, hidden page): the stretch ends here. */
  stop(): void {
    if (this.start !== null && this.last > this.start) this.closed.push([this.start, this.last]);
    this.start = null;
  }

  /** Whether a stretch is open (the player is counting). */
  get counting(): boolean {
    return this.start !== null;
  }

  /**
   * The stretches played since the previous take; an open one is cut where it stands and goes
   * on from there, so a heartbeat reports what played up to it.
   */
  take(): Array<[number, number]> {
    if (this.start !== null && this.last > this.start) {
      this.closed.push([this.start, this.last]);
      this.start = this.last;
    }
    const taken = this.closed;
    this.closed = [];
    return taken;
  }
}

// timeupdate comes every 250 ms or so (up to 1 s in a throttled tab, faster at 2× speed): a
// larger step between two samples is a jump, not playing.
const MAX_STEP_SECONDS = 1.5;
