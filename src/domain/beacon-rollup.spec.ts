import { creditFresh, eventKey, eventSums, type ViewBatch } from './beacon-rollup';
import type { PlaybackEvent } from './playback-event';
import type { ViewClaims } from './view-token';

const view = (viewId: string): ViewClaims => ({
  viewId,
  videoId: 'vid',
  viewerId: null,
  durationSeconds: 100,
  startedAtEpoch: 1_800_000_000,
  expiresAtEpoch: 1_800_003_600,
});
const event = (seq: number, intervals: Array<[number, number]>, type: PlaybackEvent['type'] = 'heartbeat') => ({
  seq,
  type,
  positionSeconds: 0,
  intervals,
});
const batch = (viewId: string, seqs: number[]): ViewBatch => ({
  view: view(viewId),
  events: seqs.map((seq) => event(seq, [])),
  receivedAt: new Date(0),
});

describe('beacon batches in one write', () => {
  it("sums an event's coverage once, clamped to the video, and its watch time with replays", () => {
    expect(
      eventSums(
        view('view_a'),
        event(
          0,
          [
            [10, 20],
            [15, 25],
            [90, 130],
          ],
          'seek',
        ),
      ),
    ).toEqual({
      watched: [
        [10, 25],
        [90, 100],
      ],
      playedSeconds: 60,
      error: false,
    });
    expect(eventSums(view('view_a'), event(1, [], 'error')).error).toBe(true);
  });

  it('credits each stored event to the first batch carrying it, and an event stored before to none', () => {
    const batches = [batch('view_a', [0, 1]), batch('view_b', [0]), batch('view_a', [1, 2])];
    const fresh = new Set([eventKey('view_a', 1), eventKey('view_a', 2), eventKey('view_b', 0)]);
    expect(creditFresh(batches, fresh)).toEqual([1, 1, 1]);
    expect(creditFresh(batches, new Set())).toEqual([0, 0, 0]);
  });
});
