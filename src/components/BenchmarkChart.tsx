/**
 * Median query latency against library size for the three architectures, as an inline SVG
 * (no chart library): both axes logarithmic, since N spans 100× and the full cross-encoder is
 * orders of magnitude slower than the two-tower ranking.
 */
import type { LatencySeries } from '../../workers/bench/report.ts';

const WIDTH = 520;
const HEIGHT = 260;
const MARGIN = { left: 56, right: 16, top: 12, bottom: 40 };
const COLOURS = ['#2a9d8f', '#2a62d8', '#8e44ad', '#d1495b'];

function logScale(min: number, max: number, from: number, to: number) {
  const lo = Math.log10(min);
  const hi = Math.log10(max);
  const span = hi - lo || 1;
  return (v: number) => from + ((Math.log10(v) - lo) / span) * (to - from);
}

/** Powers of ten covering [min, max]. */
function decades(min: number, max: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) out.push(10 ** e);
  return out;
}

const label = (v: number, unit: string) =>
  `${v >= 1000 ? `${(v / 1000).toLocaleString('en')}k` : v.toLocaleString('en')}${unit}`;

export function BenchmarkChart({ series }: { series: readonly LatencySeries[] }) {
  const points = series.flatMap((s) => s.points);
  if (points.length === 0) return null;
  const ns = points.map((p) => p.n);
  const times = points.map((p) => Math.max(p.ms, 0.01));
  const xTicks = decades(Math.min(...ns), Math.max(...ns));
  const yTicks = decades(Math.min(...times), Math.max(...times));
  const x = logScale(
    xTicks[0] ?? 1,
    xTicks[xTicks.length - 1] ?? 10,
    MARGIN.left,
    WIDTH - MARGIN.right,
  );
  const y = logScale(
    yTicks[0] ?? 1,
    yTicks[yTicks.length - 1] ?? 10,
    HEIGHT - MARGIN.bottom,
    MARGIN.top,
  );
  return (
    <figure className="bench-chart" data-testid="bench-chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label="Median query latency in milliseconds against library size, log-log"
      >
        {yTicks.map((t) => (
          <g key={`y${t}`}>
            <line x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={y(t)} y2={y(t)} className="grid" />
            <text x={MARGIN.left - 6} y={y(t) + 4} textAnchor="end">
              {label(t, ' ms')}
            </text>
          </g>
        ))}
        {xTicks.map((t) => (
          <text key={`x${t}`} x={x(t)} y={HEIGHT - MARGIN.bottom + 16} textAnchor="middle">
            {label(t, '')}
          </text>
        ))}
        <text x={(MARGIN.left + WIDTH - MARGIN.right) / 2} y={HEIGHT - 6} textAnchor="middle">
          photos in the library (N)
        </text>
        {series.map((s, i) => {
          const colour = COLOURS[i % COLOURS.length];
          const path = s.points.map((p) => `${x(p.n)},${y(Math.max(p.ms, 0.01))}`).join(' ');
          return (
            <g key={s.name} data-testid="bench-chart-series" data-name={s.name}>
              <polyline points={path} fill="none" stroke={colour} strokeWidth={2} />
              {s.points.map((p) => (
                <circle key={p.n} cx={x(p.n)} cy={y(Math.max(p.ms, 0.01))} r={3} fill={colour}>
                  <title>{`${s.name}: N = ${p.n.toLocaleString('en')}, ${p.ms.toFixed(1)} ms`}</title>
                </circle>
              ))}
            </g>
          );
        })}
      </svg>
      <figcaption>
        {series.map((s, i) => (
          <span key={s.name} className="bench-legend">
            <span className="bench-swatch" style={{ background: COLOURS[i % COLOURS.length] }} />
            {s.name}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
