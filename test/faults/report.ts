/** The fault run's table: the load held, the faults and the recovery from each, errors, and the checks. */
import type { Check } from './checks';
import type { Tally } from './client';
import type { LoadState } from './load';

export interface Report {
  readonly loadSeconds: number;
  readonly state: LoadState;
  readonly injected: ReadonlyArray<{ kind: string; at: number; recoveryMs: number; note: string }>;
  readonly tally: Tally;
  readonly checks: readonly Check[];
  readonly stuck: number;
  readonly proxyInjected: { errors: number; stalls: number };
}

export function report(r: Report): void {
  const s = r.state;
  const lost = r.checks.filter((c) => !c.ok && c.name !== 'uploads end ready or failed').length;
  const lines = [
    `## Fault run, ${new Date().toISOString().slice(0, 10)} (${Math.round(r.loadSeconds)} s under load)`,
    '',
    '| load held | |',
    '|---|---|',
    `| uploads accepted (202) | ${s.accepted.size} (${s.uploads.single} single POST, ${s.uploads.multipart} multipart, ${s.uploads.partRetries} parts sent twice), ${s.deleted.size} deleted |`,
    `| playback sessions | ${s.sessions} (${(s.sessions / r.loadSeconds).toFixed(2)}/s) |`,
    `| playlist / segment GETs through the edge | ${s.playlistGets} / ${s.segmentGets} (${(s.segmentGets / r.loadSeconds).toFixed(2)} segments/s) |`,
    '',
    '| fault | at | recovered in | |',
    '|---|---|---|---|',
    ...r.injected.map(
      (f) =>
        `| ${f.kind} | ${f.at} s | ${f.recoveryMs < 0 ? 'not measured' : `${(f.recoveryMs / 1000).toFixed(1)} s`} | ${f.note} |`,
    ),
    '',
    '| errors by kind | count |',
    '|---|---|',
    ...[...r.tally.answers]
      .filter(([k]) => /^[45]/.test(k))
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `| api ${k} | ${n} |`),
    `| api connection refused/reset (instance down) | ${r.tally.connectionErrors.api} |`,
    `| storage errors seen by uploaders (retried) | ${s.storageErrors} |`,
    `| edge errors seen by viewers (retried) | ${s.edgeErrors} |`,
    `| S3 faults injected | ${r.proxyInjected.errors} errors, ${r.proxyInjected.stalls} stalls |`,
    '',
    '| check | result | |',
    '|---|---|---|',
    ...r.checks.map((c) => `| ${c.name} | ${c.ok ? 'pass' : '**FAIL**'} | ${c.detail} |`),
    '',
    `lost: ${lost} · stuck: ${r.stuck} · api answers forbidden by the run: ${r.tally.violations.length}`,
  ];
  console.log(`\n${lines.join('\n')}\n`);
}
