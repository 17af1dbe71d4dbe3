/**
 * A benchmark report as titled tables of text cells, and as one plain-text block: the panel
 * renders the tables as HTML, scripts/bench.ts prints the text. Ratios and FLOP/s are derived
 * here from the measured medians of one run. Pure: no DOM, no worker APIs.
 */
import type { ProbeRecall } from '../../src/model/manifest.ts';
import type { BenchmarkReport, BenchmarkResult, Timing } from './types.ts';

export interface ReportTable {
  readonly title: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
  readonly notes: readonly string[];
}

export interface ReportLine {
  readonly label: string;
  readonly value: string;
}

const ms = (t: Timing | null | undefined, requested?: number): string => {
  if (t === null || t === undefined) return '—';
  const value = t.medianMs >= 100 ? t.medianMs.toFixed(0) : t.medianMs.toFixed(1);
  return requested !== undefined && t.runs < requested
    ? `${value} (${t.runs} run${t.runs === 1 ? '' : 's'})`
    : value;
};

const ratio = (a: number, b: number): string => (b > 0 ? `${(a / b).toFixed(1)}×` : '—');

const gflops = (flops: number, t: Timing | null | undefined): string =>
  t === null || t === undefined || t.medianMs <= 0
    ? '—'
    : (flops / (t.medianMs / 1000) / 1e9).toFixed(2);

/** FLOP/s of a timing cell, or null. */
export function flopsPerSecond(flops: number, t: Timing | null | undefined): number | null {
  return t === null || t === undefined || t.medianMs <= 0 ? null : flops / (t.medianMs / 1000);
}

const count = (n: number) => n.toLocaleString('en');

export function backendLine(result: BenchmarkResult): string {
  const { backend } = result;
  const wasm = `WASM ${backend.wasmThreads} thread${backend.wasmThreads === 1 ? '' : 's'}${
    backend.crossOriginIsolated ? '' : ' (not cross-origin isolated)'
  }`;
  const gpu =
    backend.gpu === null
      ? `WebGPU: none (${backend.gpuError ?? 'not requested'})`
      : `WebGPU: ${[backend.gpu.vendor, backend.gpu.architecture, backend.gpu.description]
          .filter((s) => s !== '')
          .join(' ')}${backend.gpu.isFallbackAdapter ? ' (fallback/software adapter)' : ''}`;
  return `engine on ${backend.engine} · ${wasm} · ${gpu} · ${backend.cores} cores`;
}

export function summaryLines(report: BenchmarkReport): ReportLine[] {
  const { result, memory } = report;
  return [
    { label: 'Backend', value: backendLine(result) },
    { label: 'Pack', value: `${result.pack.id} ${result.pack.version}` },
    { label: 'Browser', value: result.backend.userAgent },
    {
      label: 'Default K',
      value: `WASM ${result.defaultShortlist.wasm}${
        result.defaultShortlist.webgpu === null ? '' : ` · WebGPU ${result.defaultShortlist.webgpu}`
      } (sized by each scorer's measured cost per candidate)`,
    },
    { label: 'Libraries', value: result.libraryNote },
    {
      label: 'Peak memory',
      value:
        memory === null
          ? 'not measurable in this browser'
          : `${(memory.peakBytes / 2 ** 20).toFixed(0)} MiB (${memory.source}${memory.samples > 1 ? `, ${memory.samples} samples` : ''})`,
    },
    { label: 'Run time', value: `${result.seconds.toFixed(0)} s` },
  ];
}

function queryTable(result: BenchmarkResult): ReportTable {
  const { queries, options } = result;
  const wasmKs = [...new Set(queries.flatMap((q) => q.crossProbeWasm.map((c) => c.k)))];
  const gpuKs = [...new Set(queries.flatMap((q) => q.crossProbeWebgpu.map((c) => c.k)))];
  const kLabel = (k: number, defaultK: number | null) =>
    k === defaultK ? `K=${k} (default)` : `K=${k}`;
  const header = [
    'N',
    'text',
    'stage 1',
    'two-tower',
    ...wasmKs.map((k) => `CP WASM ${kLabel(k, result.defaultShortlist.wasm)}`),
    ...gpuKs.map((k) => `CP WebGPU ${kLabel(k, result.defaultShortlist.webgpu)}`),
    'full CE WASM K=default',
    'CP WASM default / two-tower',
  ];
  const rows = queries.map((q) => {
    const byK = (cells: QueryCells, k: number) =>
      ms(cells.find((c) => c.k === k)?.timing, options.repeats);
    const defaultCell = q.crossProbeWasm.find(
      (c) => c.k === Math.min(result.defaultShortlist.wasm, q.librarySize),
    );
    return [
      count(q.librarySize),
      ms(q.textEncoding, options.repeats),
      ms(q.stage1, options.repeats),
      ms(q.twoTower, options.repeats),
      ...wasmKs.map((k) => byK(q.crossProbeWasm, k)),
      ...gpuKs.map((k) => byK(q.crossProbeWebgpu, k)),
      ms(q.fullCrossEncoder.timing, options.repeats),
      defaultCell === undefined ? '—' : ratio(defaultCell.timing.medianMs, q.twoTower.medianMs),
    ];
  });
  return {
    title: 'Query latency, median ms per query (text encoding included)',
    header,
    rows,
    notes: [
      'two-tower = text encoding + cosine of the globals over all N, ranked; CP = cross-probe: ' +
        'text + stage 1 (top K by cosine) + stage 2 (cross-probe late layers re-rank the K); ' +
        'full CE = the same stage 1, then the full cross-encoder re-ranks the K (K ≤ N).',
      `Medians of ${options.repeats} queries after one warm-up; a cell stops after ${
        options.maxCellMs / 1000
      } s ("(n runs)" when it did).`,
      ...queries.flatMap((q) =>
        q.webgpuSkipped === null
          ? []
          : [`N = ${count(q.librarySize)}: no WebGPU cells, ${q.webgpuSkipped}`],
      ),
    ],
  };
}

type QueryCells = BenchmarkResult['queries'][number]['crossProbeWasm'];

function stage2Table(result: BenchmarkResult): ReportTable {
  const flops = result.perPairFlops;
  const n = result.options.repeats;
  const rows = result.stage2.map((row) => {
    const cp = flops === null ? 0 : flops.crossProbe * row.k;
    const full = flops === null ? 0 : flops.fullCrossEncoder * row.k;
    return [
      `${row.k}${row.label === String(row.k) ? '' : ` [${row.label}]`}`,
      ms(row.crossProbeWasm, n),
      ms(row.crossProbeWebgpu, n),
      ms(row.crossProbeReference, n),
      ms(row.fullCrossEncoder, n),
      ratio(row.fullCrossEncoder.medianMs, row.crossProbeWasm.medianMs),
      gflops(cp, row.crossProbeWasm),
      gflops(cp, row.crossProbeWebgpu),
      gflops(full, row.fullCrossEncoder),
    ];
  });
  return {
    title: `Stage 2 alone on the N = ${count(stage2Library(result))} library: median ms per query`,
    header: [
      'K',
      'CP ORT WASM',
      'CP WGSL WebGPU',
      'CP plain TS',
      'full cross-enc. WASM',
      'full / CP (WASM)',
      'CP WASM GFLOP/s',
      'CP WGSL GFLOP/s',
      'full GFLOP/s',
    ],
    rows,
    notes: [
      flops === null
        ? 'manifest.metrics.perPairFlops is missing: no FLOP/s.'
        : `FLOPs per pair (manifest.metrics.perPairFlops.maxShapes): cross-probe ${count(
            flops.crossProbe,
          )}, full cross-encoder ${count(flops.fullCrossEncoder)} (${ratio(
            flops.fullCrossEncoder,
            flops.crossProbe,
          )}).`,
      'Same K, same candidates (the stage-1 shortlist of each query), same backend (ORT WASM) ' +
        'for the full/CP ratio; the full cross-encoder runs words + regions through all its ' +
        'layers for each candidate, batched.',
    ],
  };
}

function stage2Library(result: BenchmarkResult): number {
  const sizes = result.options.librarySizes;
  return sizes.find((n) => n === 10_000) ?? Math.max(...sizes);
}

function yardstickTable(result: BenchmarkResult): ReportTable {
  const flops = result.perPairFlops;
  const best = (pick: (row: BenchmarkResult['stage2'][number]) => Timing | null) => {
    let top: { k: number; flops: number } | null = null;
    for (const row of result.stage2) {
      const f = flopsPerSecond((flops?.crossProbe ?? 0) * row.k, pick(row));
      if (f !== null && (top === null || f > top.flops)) top = { k: row.k, flops: f };
    }
    return top;
  };
  const line = (
    backend: string,
    matmul: BenchmarkResult['matmul']['wasm'] | null,
    stage2: { k: number; flops: number } | null,
  ): string[] => {
    const m = matmul === null ? null : flopsPerSecond(matmul.flops, matmul.timing);
    return [
      backend,
      matmul === null ? '—' : `${matmul.size}³`,
      ms(matmul?.timing),
      m === null ? '—' : (m / 1e9).toFixed(2),
      stage2 === null ? '—' : `${(stage2.flops / 1e9).toFixed(2)} (K=${stage2.k})`,
      m === null || stage2 === null || flops === null
        ? '—'
        : `${((100 * stage2.flops) / m).toFixed(0)}%`,
    ];
  };
  return {
    title: 'Yardstick: a large plain matmul on the same backend',
    header: [
      'backend',
      'matmul',
      'ms',
      'matmul GFLOP/s',
      'stage 2 GFLOP/s (best K)',
      'stage 2 / matmul',
    ],
    rows: [
      line(
        'ORT WASM (MatMul model built in code)',
        result.matmul.wasm,
        best((r) => r.crossProbeWasm),
      ),
      line(
        'WGSL on WebGPU (tiled matmul)',
        result.matmul.webgpu,
        best((r) => r.crossProbeWebgpu),
      ),
    ],
    notes: [],
  };
}

function accuracyTable(result: BenchmarkResult): ReportTable {
  const kinds = [...new Set(result.accuracy.flatMap((a) => a.byKind.map((k) => k.kind)))];
  return {
    title: 'Accuracy: synthetic compositional test set, text→image (from the pack manifest)',
    header: ['architecture', ...kinds.flatMap((k) => [`${k} R@1`, `${k} R@10`])],
    rows: result.accuracy.map((a) => [
      a.architecture,
      ...kinds.flatMap((kind) => {
        const r = a.byKind.find((k) => k.kind === kind);
        return r === undefined ? ['—', '—'] : [r.r1.toFixed(1), r.r10.toFixed(1)];
      }),
    ]),
    notes: ['Measured at pack build time (training/probesearch/build.py), not in this run.'],
  };
}

function indexingTable(result: BenchmarkResult): ReportTable {
  return {
    title: 'Indexing (engine indexer: decode → detector → vision encoder → IndexedDB)',
    header: [
      'photos',
      'indexed',
      'photos/s',
      'decode ms',
      'detector ms',
      'vision enc. ms',
      'other ms',
    ],
    rows: result.indexing.map((row) => [
      row.label,
      `${row.indexed}/${row.photos}`,
      row.photosPerSecond.toFixed(2),
      row.perPhotoMs.decode.toFixed(0),
      row.perPhotoMs.detector.toFixed(0),
      row.perPhotoMs.visionEncoder.toFixed(0),
      row.perPhotoMs.other.toFixed(0),
    ]),
    notes: [
      'Per photo; decode includes making the thumbnail; other = reading the file, SHA-256, ' +
        "EXIF and the IndexedDB write, into the benchmark's own library (deleted afterwards).",
    ],
  };
}

const NOT_IN_PACK = 'not in this pack';

/** "t2i / i2t" of two figures. */
const bothWays = (t2i: number, i2t: number) => `${t2i.toFixed(1)} / ${i2t.toFixed(1)}`;

/** R@1 points a format loses against float32 (negative: it gained), text→image and image→text. */
function pointsLost(result: BenchmarkResult, recall: ProbeRecall | null): string | null {
  const float32 = result.storage.quantisation.find((q) => q.format === 'float32')?.recall;
  return recall === null || float32 === null || float32 === undefined
    ? null
    : bothWays(lostPoints(float32.t2iR1, recall.t2iR1), lostPoints(float32.i2tR1, recall.i2tR1));
}

/** Points lost, to a tenth; a gain smaller than that reads 0.0, not -0.0. */
function lostPoints(reference: number, quantised: number): number {
  return Math.round((reference - quantised) * 10) / 10 || 0;
}

function storageTable(result: BenchmarkResult): ReportTable {
  const { storage } = result;
  const measured = storage.quantisation.some((q) => q.recall !== null);
  return {
    title: 'Probe cache at rest: vision probes + global per photo',
    header: [
      'format',
      'bytes/photo',
      'R@1 t2i / i2t %',
      'R@1 points lost vs float32',
      'R@10 t2i / i2t %',
    ],
    rows: storage.quantisation.map((q) => [
      q.format === storage.storedFormat ? `${q.format} (stored)` : q.format,
      String(q.bytesPerPhoto),
      q.recall === null ? NOT_IN_PACK : bothWays(q.recall.t2iR1, q.recall.i2tR1),
      pointsLost(result, q.recall) ?? NOT_IN_PACK,
      q.recall === null ? NOT_IN_PACK : bothWays(q.recall.t2iR10, q.recall.i2tR10),
    ]),
    notes: [
      storage.storedBytesPerPhoto === null
        ? 'No photos were indexed in this run: nothing stored to measure.'
        : `Read back from IndexedDB after indexing: ${storage.storedBytesPerPhoto.toFixed(0)} bytes/photo of probes + global as stored (${storage.storedFormat}).`,
      measured
        ? 'Recall: cross-probe on the synthetic compositional test set, all query kinds, with ' +
          'every probe and global round-tripped through the format (manifest.metrics.' +
          'probeQuantisation, measured when the pack was built, not in this run).'
        : `Recall per format: manifest.metrics.probeQuantisation is ${NOT_IN_PACK}.`,
    ],
  };
}

export function reportTables(result: BenchmarkResult): ReportTable[] {
  return [
    queryTable(result),
    stage2Table(result),
    yardstickTable(result),
    accuracyTable(result),
    indexingTable(result),
    storageTable(result),
  ];
}

/** The issue's targets, each with the figure this run measured. */
export function targetLines(result: BenchmarkResult): ReportLine[] {
  const lines: ReportLine[] = [];
  for (const row of result.stage2) {
    lines.push({
      label: `Cross-probe vs full cross-encoder, K=${row.k}, WASM (≥ 20×)`,
      value: ratio(row.fullCrossEncoder.medianMs, row.crossProbeWasm.medianMs),
    });
  }
  const yard = yardstickTable(result).rows;
  for (const row of yard) {
    lines.push({ label: `Stage 2 / matmul FLOP/s, ${row[0]} (≥ 30%)`, value: row[5] ?? '—' });
  }
  const tenK = result.queries.find((q) => q.librarySize === 10_000);
  if (tenK !== undefined) {
    const cell = tenK.crossProbeWasm.find((c) => c.k === result.defaultShortlist.wasm);
    if (cell !== undefined) {
      lines.push({
        label: `N=10,000, default K=${cell.k}, WASM: median query (< 150 ms), vs two-tower (≤ 3×)`,
        value: `${cell.timing.medianMs.toFixed(1)} ms, ${ratio(cell.timing.medianMs, tenK.twoTower.medianMs)}`,
      });
    }
  }
  const { storedBytesPerPhoto, storedFormat, quantisation } = result.storage;
  const storedRecall = quantisation.find((q) => q.format === storedFormat)?.recall ?? null;
  const lost = pointsLost(result, storedRecall);
  lines.push({
    label: 'Probe cache per photo (≤ 4096 B; ≤ 1 point of R@1 lost to quantisation)',
    value:
      `${storedBytesPerPhoto === null ? 'nothing indexed' : `${storedBytesPerPhoto.toFixed(0)} B stored`} ` +
      `(${storedFormat}); R@1 points lost t2i / i2t: ${lost ?? NOT_IN_PACK}`,
  });
  for (const row of result.indexing) {
    lines.push({
      label: `Indexing ${row.label} (≥ 2 photos/s for 640×480 on WASM)`,
      value: `${row.photosPerSecond.toFixed(2)} photos/s`,
    });
  }
  return lines;
}

function textTable(table: ReportTable): string {
  const all = [table.header, ...table.rows];
  const widths = table.header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
      .join('  ');
  return [
    table.title,
    line(table.header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...table.rows.map(line),
    ...table.notes.map((n) => `  ${n}`),
  ].join('\n');
}

/** The whole report as text, backend first. */
export function reportText(report: BenchmarkReport): string {
  const summary = summaryLines(report).map((l) => `${l.label}: ${l.value}`);
  const targets = targetLines(report.result).map((l) => `  ${l.label}: ${l.value}`);
  return [
    summary.join('\n'),
    ...reportTables(report.result).map(textTable),
    ['Targets (this run)', ...targets].join('\n'),
  ].join('\n\n');
}

export interface LatencySeries {
  readonly name: string;
  readonly points: readonly { readonly n: number; readonly ms: number }[];
}

/**
 * Median query latency against N for the three architectures, at each backend's default K
 * (at most N), each measured at every N.
 */
export function latencySeries(result: BenchmarkResult): LatencySeries[] {
  const wasmK = result.defaultShortlist.wasm;
  const gpuK = result.defaultShortlist.webgpu;
  const at = (cells: QueryCells, k: number | null, n: number) =>
    k === null ? undefined : cells.find((c) => c.k === Math.min(k, n))?.timing.medianMs;
  const series = (
    name: string,
    value: (q: BenchmarkResult['queries'][number]) => number | undefined,
  ) => ({
    name,
    points: result.queries.flatMap((q) => {
      const ms = value(q);
      return ms === undefined ? [] : [{ n: q.librarySize, ms }];
    }),
  });
  return [
    series('two-tower', (q) => q.twoTower.medianMs),
    series(`cross-probe, WASM, K=${wasmK}`, (q) => at(q.crossProbeWasm, wasmK, q.librarySize)),
    series(`cross-probe, WebGPU, K=${gpuK ?? '—'}`, (q) =>
      at(q.crossProbeWebgpu, gpuK, q.librarySize),
    ),
    series(`full cross-encoder, WASM, K=${wasmK}`, (q) => q.fullCrossEncoder.timing.medianMs),
  ].filter((s) => s.points.length > 0);
}
