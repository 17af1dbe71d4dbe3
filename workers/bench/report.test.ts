import { describe, expect, it } from 'vitest';
import { latencySeries, reportTables, reportText, targetLines } from './report.ts';
import type { BenchmarkResult, Timing } from './types.ts';

const t = (medianMs: number, runs = 3): Timing => ({
  medianMs,
  minMs: medianMs,
  maxMs: medianMs,
  runs,
});

const recall = (t2iR1: number, i2tR1: number) => ({ t2iR1, t2iR10: 90, i2tR1, i2tR10: 70 });

/** A made-up result: the numbers are chosen so every derived figure is easy to check. */
const RESULT: BenchmarkResult = {
  pack: { id: 'cpb-test', version: '1' },
  backend: {
    engine: 'WASM · 2 threads',
    userAgent: 'test',
    cores: 2,
    wasmThreads: 2,
    crossOriginIsolated: true,
    gpu: null,
    gpuError: 'WebGpuUnsupportedError: no navigator.gpu',
  },
  options: {
    librarySizes: [1000, 10_000],
    shortlists: [100, 'default'],
    repeats: 3,
    maxCellMs: 1000,
    baseRegionSets: 8,
    matmulSize: { wasm: 1000, webgpu: 256 },
    webgpu: false,
    seed: 1,
  },
  libraryNote: 'test library',
  defaultShortlist: { wasm: 200, webgpu: null },
  queries: [1000, 10_000].map((n) => ({
    librarySize: n,
    textEncoding: t(5),
    stage1: t(n / 1000),
    twoTower: t(10),
    crossProbeWasm: [
      { k: 100, timing: t(30) },
      { k: 200, timing: t(50, 1) },
    ],
    crossProbeWebgpu: [],
    fullCrossEncoder: { k: 200, timing: t(n / 10) },
    webgpuSkipped: null,
  })),
  stage2: [
    {
      k: 200,
      label: 'default (WASM)',
      crossProbeWasm: t(40),
      crossProbeWebgpu: null,
      crossProbeReference: t(400),
      fullCrossEncoder: t(1000),
    },
  ],
  // 200 pairs × 1e6 FLOPs in 40 ms = 5 GFLOP/s.
  perPairFlops: { crossProbe: 1e6, fullCrossEncoder: 2e7 },
  // 2e9 FLOPs in 200 ms = 10 GFLOP/s.
  matmul: { wasm: { size: 1000, flops: 2e9, timing: t(200) }, webgpu: null },
  accuracy: [
    { architecture: 'two-tower', byKind: [{ kind: 'all', r1: 40, r10: 80 }] },
    { architecture: 'cross-probe', byKind: [{ kind: 'all', r1: 45, r10: 85 }] },
  ],
  indexing: [
    {
      label: '640x480',
      photos: 4,
      indexed: 4,
      seconds: 2,
      photosPerSecond: 2,
      perPhotoMs: { decode: 20, detector: 400, visionEncoder: 20, other: 60 },
    },
  ],
  storage: {
    storedFormat: 'float16',
    storedBytesPerPhoto: 1728,
    quantisation: [
      { format: 'float32', bytesPerPhoto: 3456, recall: recall(61.2, 50.5) },
      { format: 'float16', bytesPerPhoto: 1728, recall: recall(61.1, 50.7) },
      { format: 'int8', bytesPerPhoto: 900, recall: recall(58.7, 49.5) },
    ],
  },
  seconds: 12,
};

describe('benchmark report', () => {
  it('derives the ratios and FLOP/s from the medians of the run', () => {
    const [queries, stage2, yardstick] = reportTables(RESULT);
    // CP at the default K (50 ms) over two-tower (10 ms); a cell cut short shows its run count.
    expect(queries?.rows[1]).toEqual([
      '10,000',
      '5.0',
      '10.0',
      '10.0',
      '30.0',
      '50.0 (1 run)',
      '1000',
      '5.0×',
    ]);
    expect(stage2?.rows[0]).toEqual([
      '200 [default (WASM)]',
      '40.0',
      '—',
      '400',
      '1000',
      '25.0×',
      '5.00',
      '—',
      '4.00',
    ]);
    expect(yardstick?.rows[0]?.slice(3)).toEqual(['10.00', '5.00 (K=200)', '50%']);
  });

  it('states the targets with this run’s figures', () => {
    const targets = targetLines(RESULT).map((l) => `${l.label}: ${l.value}`);
    expect(targets).toContain('Cross-probe vs full cross-encoder, K=200, WASM (≥ 20×): 25.0×');
    expect(
      targets.some((l) => l.includes('K=200, WASM: median query') && l.endsWith('50.0 ms, 5.0×')),
    ).toBe(true);
    expect(targets).toContain(
      'Probe cache per photo (≤ 4096 B; ≤ 1 point of R@1 lost to quantisation): ' +
        '1728 B stored (float16); R@1 points lost t2i / i2t: 0.1 / -0.2',
    );
  });

  it('puts the recall each format keeps next to its bytes, or says the pack lacks it', () => {
    const storage = reportTables(RESULT)[5];
    expect(storage?.rows).toEqual([
      ['float32', '3456', '61.2 / 50.5', '0.0 / 0.0', '90.0 / 70.0'],
      ['float16 (stored)', '1728', '61.1 / 50.7', '0.1 / -0.2', '90.0 / 70.0'],
      ['int8', '900', '58.7 / 49.5', '2.5 / 1.0', '90.0 / 70.0'],
    ]);
    expect(storage?.notes[0]).toContain('1728 bytes/photo of probes + global as stored (float16)');

    const withoutFigures: BenchmarkResult = {
      ...RESULT,
      storage: {
        ...RESULT.storage,
        quantisation: RESULT.storage.quantisation.map((q) => ({ ...q, recall: null })),
      },
    };
    const [, float16] = reportTables(withoutFigures)[5]?.rows ?? [];
    expect(float16).toEqual([
      'float16 (stored)',
      '1728',
      'not in this pack',
      'not in this pack',
      'not in this pack',
    ]);
    expect(targetLines(withoutFigures).at(-2)?.value).toBe(
      '1728 B stored (float16); R@1 points lost t2i / i2t: not in this pack',
    );
  });

  it('prints the backend first and every table', () => {
    const text = reportText({ result: RESULT, memory: null });
    expect(text.split('\n')[0]).toBe(
      'Backend: engine on WASM · 2 threads · WASM 2 threads · WebGPU: none (WebGpuUnsupportedError: no navigator.gpu) · 2 cores',
    );
    for (const table of reportTables(RESULT)) expect(text).toContain(table.title);
  });

  it('charts latency against N with the full cross-encoder measured at every N', () => {
    const series = latencySeries(RESULT);
    expect(series.map((s) => s.name)).toEqual([
      'two-tower',
      'cross-probe, WASM, K=200',
      'full cross-encoder, WASM, K=200',
    ]);
    expect(series[2]?.points).toEqual([
      { n: 1000, ms: 100 },
      { n: 10_000, ms: 1000 },
    ]);
  });
});
