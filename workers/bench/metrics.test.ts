import { describe, expect, it } from 'vitest';
import { accuracyFromMetrics, perPairFlops, resolveShortlists } from './metrics.ts';

/** manifest.metrics as training/probesearch/build.py writes it (values made up). */
const METRICS = {
  synthetic: {
    count: {
      queries: 3,
      results: {
        'two-tower': { 't2i R@1': 30, 't2i R@5': 60, 't2i R@10': 80 },
        'cross-probe': { 't2i R@1': 35, 't2i R@5': 65, 't2i R@10': 85 },
      },
    },
    all: {
      queries: 9,
      results: {
        'two-tower': { 't2i R@1': 40, 't2i R@10': 85 },
        'cross-probe': { 't2i R@1': 45, 't2i R@10': 88 },
        'full-cross-encoder': { 't2i R@1': 50, 't2i R@10': 90 },
      },
    },
  },
  perPairFlops: {
    maxShapes: { 'two-tower': 192, 'cross-probe': 2_709_696, 'full-cross-encoder': 56_770_752 },
  },
};

describe('figures from the manifest metrics', () => {
  it('reads R@1 and R@10 per architecture, "all" first', () => {
    expect(accuracyFromMetrics(METRICS)).toEqual([
      {
        architecture: 'two-tower',
        byKind: [
          { kind: 'all', r1: 40, r10: 85 },
          { kind: 'count', r1: 30, r10: 80 },
        ],
      },
      {
        architecture: 'cross-probe',
        byKind: [
          { kind: 'all', r1: 45, r10: 88 },
          { kind: 'count', r1: 35, r10: 85 },
        ],
      },
      { architecture: 'full-cross-encoder', byKind: [{ kind: 'all', r1: 50, r10: 90 }] },
    ]);
  });

  it('reads the per-pair FLOPs at the maximum shapes, or null when absent', () => {
    expect(perPairFlops(METRICS)).toEqual({ crossProbe: 2_709_696, fullCrossEncoder: 56_770_752 });
    expect(perPairFlops({})).toBeNull();
    expect(accuracyFromMetrics({ synthetic: 'nonsense' })).toEqual([]);
  });
});

describe('resolveShortlists', () => {
  it('resolves the default, caps K at N and drops repeats', () => {
    expect(resolveShortlists([100, 1000, 'default'], 200, 10_000)).toEqual([100, 1000, 200]);
    expect(resolveShortlists([100, 1000, 'default'], 100, 10_000)).toEqual([100, 1000]);
    expect(resolveShortlists([100, 1000, 'default'], 200, 150)).toEqual([100, 150]);
  });
});
