/**
 * The creator's analytics on the demo page: views per day as bars, the retention curve as a line
 * (the share of views that watched each 1 % of the video), and the viewers with their progress.
 * Built with DOM calls, never markup strings: viewer ids come from tokens and are shown as text.
 */
const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 600;
const HEIGHT = 120;

export interface AnalyticsData {
  readonly views: number;
  readonly uniqueViewers: number;
  readonly watchTimeSeconds: number;
  readonly completionRate: number;
  readonly retention: readonly number[];
  readonly startupTimeMs: { readonly p50: number | null };
  readonly days: ReadonlyArray<{ readonly date: string; readonly views: number }>;
}

export interface ViewerData {
  readonly userId: string;
  readonly coverage: number;
  readonly completed: boolean;
  readonly lastPositionSeconds: number;
}

function svg(label: string): SVGSVGElement {
  const el = document.createElementNS(SVG, 'svg');
  el.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
  el.setAttribute('role', 'img');
  el.setAttribute('aria-label', label);
  return el;
}

/** Bars, one a day, scaled to the busiest day. */
export function viewsPerDayChart(days: AnalyticsData['days']): SVGSVGElement {
  const chart = svg(`Views per day: ${days.map((d) => `${d.date} ${d.views}`).join(', ') || 'none'}`);
  const most = Math.max(1, ...days.map((d) => d.views));
  const width = WIDTH / Math.max(1, days.length);
  days.forEach((day, i) => {
    const bar = document.createElementNS(SVG, 'rect');
    const height = (day.views / most) * (HEIGHT - 10);
    bar.setAttribute('x', String(i * width + 2));
    bar.setAttribute('y', String(HEIGHT - height));
    bar.setAttribute('width', String(Math.max(1, width - 4)));
    bar.setAttribute('height', String(height));
    bar.setAttribute('data-date', day.date);
    chart.append(bar);
  });
  return chart;
}

/** The retention curve: 100 points from 0 to 100 % of the timeline, 0..1 of the views. */
export function retentionChart(retention: readonly number[]): SVGSVGElement {
  const chart = svg('Retention: the share of views that watched each part of the video');
  const line = document.createElementNS(SVG, 'polyline');
  const step = WIDTH / Math.max(1, retention.length - 1);
  line.setAttribute(
    'points',
    retention.map((share, i) => `${(i * step).toFixed(1)},${(HEIGHT - share * (HEIGHT - 10)).toFixed(1)}`).join(' '),
  );
  line.setAttribute('fill', 'none');
  line.setAttribute('stroke', 'currentColor');
  chart.append(line);
  return chart;
}

export function summaryText(a: AnalyticsData): string {
  const startup = a.startupTimeMs.p50 === null ? 'no startup reported' : `startup p50 ${a.startupTimeMs.p50} ms`;
  return `${a.views} views by ${a.uniqueViewers} viewers, ${Math.round(a.watchTimeSeconds)} s watched, ${Math.round(a.completionRate * 100)} % completed, ${startup}.`;
}

export function viewerItem(v: ViewerData): HTMLLIElement {
  const item = document.createElement('li');
  item.textContent = `${v.userId}: ${Math.round(v.coverage * 100)} % watched${v.completed ? ' (completed)' : ''}, last at ${v.lastPositionSeconds.toFixed(1)} s`;
  return item;
}
