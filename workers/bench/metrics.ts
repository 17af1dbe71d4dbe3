/**
 * Pure helpers of the benchmark: the figures it reads from the pack manifest's metrics (which
 * are free-form JSON there, so every field is checked), and the K values a run resolves.
 */
import type { ArchitectureAccuracy, ShortlistSize } from './types.ts';

function number(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

/** R@1 / R@10 (text→image) per architecture and query kind, from manifest.metrics.synthetic. */
export function accuracyFromMetrics(
  metrics: Readonly<Record<string, unknown>>,
): ArchitectureAccuracy[] {
  const synthetic = field(metrics, 'synthetic');
  if (typeof synthetic !== 'object' || synthetic === null) return [];
  const kinds = Object.keys(synthetic).sort((a, b) => (a === 'all' ? -1 : b === 'all' ? 1 : 0));
  const architectures = new Set<string>();
  for (const kind of kinds) {
    const results = field(field(synthetic, kind), 'results');
    if (typeof results === 'object' && results !== null) {
      for (const arch of Object.keys(results)) architectures.add(arch);
    }
  }
  return [...architectures].map((architecture) => ({
    architecture,
    byKind: kinds.flatMap((kind) => {
      const r = field(field(field(synthetic, kind), 'results'), architecture);
      const r1 = number(field(r, 't2i R@1'));
      const r10 = number(field(r, 't2i R@10'));
      return r1 === null || r10 === null ? [] : [{ kind, r1, r10 }];
    }),
  }));
}

/** FLOPs per pair at the padded (maximum) shapes, from manifest.metrics.perPairFlops. */
export function perPairFlops(metrics: Readonly<Record<string, unknown>>) {
  const shapes = field(field(metrics, 'perPairFlops'), 'maxShapes');
  const crossProbe = number(field(shapes, 'cross-probe'));
  const fullCrossEncoder = number(field(shapes, 'full-cross-encoder'));
  return crossProbe === null || fullCrossEncoder === null ? null : { crossProbe, fullCrossEncoder };
}

/** Requested K → concrete K (the default resolved, at most N), distinct, in request order. */
export function resolveShortlists(
  requested: readonly ShortlistSize[],
  defaultK: number,
  librarySize: number,
): number[] {
  const ks = requested.map((k) => Math.min(librarySize, k === 'default' ? defaultK : k));
  return [...new Set(ks.filter((k) => k >= 1))];
}
