/**
 * One line of CloudWatch's embedded metric format: a JSON log line that CloudWatch Logs turns
 * into metrics, so a task publishes a metric by writing to stdout, with no API call and no
 * credentials (the awslogs driver ships the line).
 */
export function emfLine(input: {
  readonly namespace: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly metrics: Readonly<Record<string, number>>;
  readonly timestamp: number;
}): string {
  return JSON.stringify({
    _aws: {
      Timestamp: input.timestamp,
      CloudWatchMetrics: [
        {
          Namespace: input.namespace,
          Dimensions: [Object.keys(input.dimensions)],
          // A figure named …Seconds is a duration; every other one counts something.
          Metrics: Object.keys(input.metrics).map((name) => ({
            Name: name,
            Unit: name.endsWith('Seconds') ? 'Seconds' : 'Count',
          })),
        },
      ],
    },
    ...input.dimensions,
    ...input.metrics,
  });
}
