import { describe, expect, it } from 'vitest';
import { latencySeries, reportTables, reportText, targetLines } from './report.ts';
import type { BenchmarkResult, Timing } from './types.ts';

const t = (medianMs: number, runs = 3): Timing => ({
  medianMs,
  minMs: medianMs,
  maxMs: medianMs,
  runs,
});

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
    agreementQueries: 10,
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
    storedBytesPerPhoto: 3456,
    quantisation: [
      { format: 'float32', bytesPerPhoto: 3456, top1Agreement: 100, top10Recall: 100 },
      { format: 'float16', bytesPerPhoto: 1728, top1Agreement: 100, top10Recall: 100 },
      { format: 'int8', bytesPerPhoto: 900, top1Agreement: 90, top10Recall: 100 },
    ],
    agreementLibrary: 8,
    agreementQueries: 10,
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
    expect(targets.some((l) => l.includes('int8 900 B / 10.0 pt'))).toBe(true);
  });

  it('prints the backend first and every table', () => {
    const text = reportText({ result: RESULT, memory: null });
    expect(text.split('\n')[0]).toBe(
      'Backend: engine on WASM · 2 threads · WASM 2 threads · WebGPU: none (WebGpuUnsupportedError: no navigator.gpu) · 2 cores',
    );
    for (const table of reportTables(RESULT)) expect(text).toContain(table.title);
  });

  it('charts latency against N, composing the full cross-encoder from its stage 2', () => {
    const series = latencySeries(RESULT);
    expect(series.map((s) => s.name)).toEqual([
      'two-tower',
      'cross-probe, WASM, K=200',
      'full cross-encoder, WASM, K=200',
    ]);
    expect(series[2]?.points).toEqual([
      { n: 1000, ms: 5 + 1 + 1000 },
      { n: 10_000, ms: 5 + 10 + 1000 },
    ]);
  });
});
