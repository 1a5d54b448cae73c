import { formatDuration, runDuration, runLateness } from './format.js';
import { html } from './html.js';
import { statusLabels } from './runs.js';
import type { RunView } from './types.js';

const width = 300;
const height = 80;
const maxRuns = 40;

/**
 * Duration (bars, coloured by status) and lateness (the line: start minus scheduled time) of the most
 * recent runs, oldest on the left, on one millisecond scale. Drawn as inline SVG by hand: a chart
 * library would outweigh the whole page for two series.
 */
export function RunChart({ runs }: { runs: readonly RunView[] }) {
  const recent = runs
    .filter((run) => run.status !== 'running')
    .slice(0, maxRuns)
    .reverse();
  if (recent.length === 0) return null;
  const durations = recent.map((run) => runDuration(run));
  const lateness = recent.map(runLateness);
  const top = Math.max(1, ...durations, ...lateness);
  // A few runs get wide bars, up to a minimum of slots so that one run does not fill the chart.
  const slot = width / Math.max(recent.length, 12);
  const y = (ms: number) => height - (Math.max(0, ms) / top) * (height - 2);
  const points = lateness.map((ms, i) => `${(i + 0.5) * slot},${y(ms).toFixed(1)}`).join(' ');
  const summary = `Duration and lateness of the last ${recent.length} runs; the longest ${formatDuration(Math.max(...durations))}, the latest start ${formatDuration(Math.max(...lateness))} after its time.`;

  return html`<figure class="chart">
    <svg viewBox="0 0 ${width} ${height}" role="img" aria-label=${summary} preserveAspectRatio="none">
      <line class="chart-axis" x1="0" y1=${height - 0.5} x2=${width} y2=${height - 0.5} />
      ${recent.map(
        (run, i) =>
          html`<rect
            class=${`bar status-${run.status}`}
            x=${(i * slot + 1).toFixed(1)}
            y=${y(durations[i] ?? 0).toFixed(1)}
            width=${(slot - 2).toFixed(1)}
            height=${Math.max(1, height - y(durations[i] ?? 0)).toFixed(1)}
          >
            <title>${`${statusLabels[run.status] ?? run.status}: took ${formatDuration(durations[i] ?? 0)}, started ${formatDuration(lateness[i] ?? 0)} late`}</title>
          </rect>`,
      )}
      ${recent.length > 1 ? html`<polyline class="lateness" points=${points} />` : null}
    </svg>
    <figcaption>
      <span class="legend-bar" aria-hidden="true"></span> duration
      <span class="legend-line" aria-hidden="true"></span> lateness · scale 0–${formatDuration(top)}
    </figcaption>
  </figure>`;
}
