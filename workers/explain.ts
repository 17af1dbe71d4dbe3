/**
 * Which detected regions a match leans on, by occlusion: the photo's region set is scored
 * against the query by the model itself (vision encoder, then the cross-probe layers search
 * uses), and again with each region left out in turn. A region's contribution is how much the
 * score drops without it. This measures the model, not word matching: a region the query never
 * names can matter, and one it names may not.
 */
import type { MatchExplanation, RegionContribution } from '../src/engine/api.ts';
import type { Detection } from '../src/model/detections.ts';
import type { Encoded } from './models.ts';

/** A region is highlighted from this share of the largest contribution upwards. */
export const HIGHLIGHT_SHARE = 0.25;

/**
 * Smaller drops are never highlighted: the view shows scores to three decimals, and drops this
 * small are within float noise of one batched encoder run against another.
 */
export const MIN_HIGHLIGHT = 0.001;

/** What explaining needs of the loaded pack (the engine gives its real sessions and scorer). */
export interface ExplainPack {
  /** The photo's stored detections; 'stale': indexed with another pack; undefined: not indexed. */
  regionsOf(path: string): readonly Detection[] | 'stale' | undefined;
  /** The query's text probes and global; null when the query has no word the model reads. */
  encodeQuery(query: string): Promise<Encoded | null>;
  /** The vision encoder on B region sets: probes [B, Pv, d], globals [B, d]. */
  encodeVision(sets: readonly (readonly Detection[])[]): Promise<Encoded>;
  /** Stage-2 scores of the query against `count` encoded photos. */
  scoreEncoded(query: Encoded, photos: Encoded, count: number): Promise<Float32Array>;
}

/** The full region set first, then the set without region i, for each i in order. */
export function occlusionSets(detections: readonly Detection[]): Detection[][] {
  return [[...detections], ...detections.map((_, left) => detections.filter((_, i) => i !== left))];
}

/** The smallest contribution highlighted, or null when no region clearly drove the match. */
export function highlightFrom(contributions: readonly number[]): number | null {
  const largest = contributions.reduce((max, c) => Math.max(max, c), 0);
  if (largest < MIN_HIGHLIGHT) return null;
  return Math.max(MIN_HIGHLIGHT, HIGHLIGHT_SHARE * largest);
}

/** Scores the R + 1 region sets in one batch (encoder and scorer) and attributes the drops. */
async function attribute(
  pack: ExplainPack,
  query: Encoded,
  detections: readonly Detection[],
): Promise<MatchExplanation> {
  const sets = occlusionSets(detections);
  const scores = await pack.scoreEncoded(query, await pack.encodeVision(sets), sets.length);
  if (scores.length !== sets.length) {
    throw new Error(`scored ${scores.length} region sets, expected ${sets.length}`);
  }
  const fullScore = scores[0] ?? NaN;
  if (detections.length === 0) return { status: 'no-regions', fullScore };
  const without = detections.map((_, i) => scores[i + 1] ?? NaN);
  const from = highlightFrom(without.map((score) => fullScore - score));
  const regions = detections.map((detection, i): RegionContribution => {
    const scoreWithout = without[i] ?? NaN;
    const contribution = fullScore - scoreWithout;
    return {
      detection,
      scoreWithout,
      contribution,
      highlighted: from !== null && contribution >= from,
    };
  });
  return { status: 'explained', fullScore, regions, highlightFrom: from };
}

/** Which of the photo's regions drove its match for `query`. */
export async function explainMatch(
  pack: ExplainPack,
  path: string,
  query: string,
): Promise<MatchExplanation> {
  const detections = pack.regionsOf(path);
  if (detections === undefined) return { status: 'not-indexed' };
  if (detections === 'stale') return { status: 'stale' };
  const encoded = await pack.encodeQuery(query);
  if (encoded === null) return { status: 'no-query' };
  return attribute(pack, encoded, detections);
}
