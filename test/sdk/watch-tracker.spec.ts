import { WatchTracker } from '../../sdk/src/watch-tracker';

describe("the SDK player's watch tracker", () => {
  const play = (tracker: WatchTracker, from: number, to: number) => {
    for (let t = from; t <= to + 1e-9; t += 0.25) tracker.playingAt(Math.round(t * 100) / 100);
  };

  it('reports what played, split at seeks and pauses, and cut at each take', () => {
    const tracker = new WatchTracker();
    play(tracker, 0, 4);
    tracker.stop(); // seeking to 8
    play(tracker, 8, 10);
    expect(tracker.take()).toEqual([
      [0, 4],
      [8, 10],
    ]);
    tracker.stop(); // seeking back to 2
    play(tracker, 2, 4);
    tracker.stop(); // paused
    expect(tracker.take()).toEqual([[2, 4]]);
    expect(tracker.take()).toEqual([]);
  });

  it('cuts an open stretch at a heartbeat and goes on from there', () => {
    const tracker = new WatchTracker();
    play(tracker, 0, 3);
    expect(tracker.take()).toEqual([[0, 3]]);
    expect(tracker.counting).toBe(true);
    play(tracker, 3.25, 5);
    tracker.stop();
    expect(tracker.take()).toEqual([[3, 5]]);
  });

  it('treats a jump in the samples as a seek, and a backwards one too', () => {
    const tracker = new WatchTracker();
    play(tracker, 0, 2);
    tracker.playingAt(30);
    tracker.playingAt(30.25);
    tracker.playingAt(1);
    tracker.playingAt(1.25);
    tracker.playingAt(Number.NaN);
    tracker.stop();
    expect(tracker.take()).toEqual([
      [0, 2],
      [30, 30.25],
      [1, 1.25],
    ]);
  });
});
