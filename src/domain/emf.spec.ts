import { emfLine } from './emf';
import { backlog } from './queue-backlog';

describe('embedded metric format', () => {
  it('writes one JSON line CloudWatch reads as metrics: the directive, its dimensions and values at the top level', () => {
    const line = emfLine({
      namespace: 'Velvet',
      dimensions: { Deployment: 'prod' },
      metrics: { TranscodeBacklog: 7, OldestQueuedVideoSeconds: 12 },
      timestamp: 1_800_000_000_000,
    });
    expect(line).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({
      _aws: {
        Timestamp: 1_800_000_000_000,
        CloudWatchMetrics: [
          {
            Namespace: 'Velvet',
            Dimensions: [['Deployment']],
            Metrics: [
              { Name: 'TranscodeBacklog', Unit: 'Count' },
              { Name: 'OldestQueuedVideoSeconds', Unit: 'Seconds' },
            ],
          },
        ],
      },
      Deployment: 'prod',
      TranscodeBacklog: 7,
      OldestQueuedVideoSeconds: 12,
    });
  });
});

describe('the backlog', () => {
  it('counts what a worker could start now: waiting, prioritized and due delayed jobs of the queue', () => {
    const counts = [
      { queue: 'transcode', state: 'wait', count: 1 },
      { queue: 'transcode', state: 'prioritized', count: 5 },
      { queue: 'transcode', state: 'delayed', count: 9 },
      { queue: 'transcode', state: 'delayed_due', count: 2 },
      { queue: 'transcode', state: 'active', count: 3 },
      { queue: 'webhooks', state: 'prioritized', count: 100 },
    ];
    expect(backlog(counts, 'transcode')).toBe(8);
    expect(backlog(counts, 'maintenance')).toBe(0);
  });
});
