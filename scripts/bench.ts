/**
 * `npm run bench [-- --quick] [--no-build] [--json FILE] [--port N] [--backend B]`: the
 * product's benchmark in headless Chromium through the real app and engine (the in-app
 * Benchmark panel's own run, driven through window.probeSearchBenchmark). Builds the app into
 * .cache/bench-dist (--no-build: reuse it), serves it with `vite preview` (COOP/COEP, so WASM
 * threads) on its own port, makes the real-size JPEG folders under .cache/ from the sample
 * photos when missing, prints one report and optionally writes it as JSON. --backend
 * (wasm|webgpu|auto, default wasm) is the engine's backend, which indexing runs on. Absolute
 * times depend on the machine's load; the ratios are measured in the same run. --quick is a
 * smoke run (small N, few repeats): it checks that every path works.
 */
import { chromium, type Browser } from '@playwright/test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CHROMIUM_ARGS, CHROMIUM_PATH, WEBGPU_FLAG } from '../e2e/chromium.ts';
import type { BenchmarkReport, MemoryReport } from '../src/engine/api.ts';
import type {} from '../src/components/BenchmarkDriver.ts';
import type { BenchmarkPreset } from '../workers/bench/presets.ts';
import { reportText } from '../workers/bench/report.ts';

const ROOT = resolve(import.meta.dirname, '..');
/** Its own build folder: other runs (e2e, `npm start`) may rebuild dist/ meanwhile. */
const OUT_DIR = '.cache/bench-dist';
/** The e2e browser with WebGPU, plus the flag that lets the page measure its memory now. */
const BENCH_CHROMIUM_ARGS = [
  ...CHROMIUM_ARGS,
  WEBGPU_FLAG,
  '--enable-blink-features=ForceEagerMeasureMemory',
];

/** Real-size JPEG folders (one indexing row each): size → how many, per preset. */
const PHOTO_FOLDERS: Record<BenchmarkPreset, { dir: string; sets: [string, number][] }> = {
  quick: { dir: '.cache/bench-photos-quick', sets: [['640x480', 6]] },
  full: {
    dir: '.cache/bench-photos',
    sets: [
      ['640x480', 100],
      ['4000x3000', 100],
    ],
  },
};

function python(): string {
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed`);
}

/** Makes each folder of JPEGs that is missing or short of photos. */
function ensurePhotos(preset: BenchmarkPreset): string {
  const { dir, sets } = PHOTO_FOLDERS[preset];
  for (const [size, count] of sets) {
    const folder = join(ROOT, dir, size);
    const have = existsSync(folder)
      ? readdirSync(folder).filter((f) => f.endsWith('.jpg')).length
      : 0;
    if (have >= count) continue;
    const [width = '', height = ''] = size.split('x');
    console.log(`making ${count} ${size} JPEGs in ${dir}/${size} …`);
    run(python(), ['scripts/make-bench-photos.py', folder, width, height, String(count)]);
  }
  return join(ROOT, dir);
}

async function startPreview(port: number): Promise<ChildProcess> {
  const server = spawn(
    process.execPath,
    [
      'node_modules/vite/bin/vite.js',
      'preview',
      '--outDir',
      OUT_DIR,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--strictPort',
      // Vite refuses a second preview of one project; this one has its own folder and port.
      '--bypass-lock',
    ],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0; i < 120; i++) {
    if (server.exitCode !== null) throw new Error(`vite preview exited (port ${port} busy?)`);
    try {
      if ((await fetch(url)).ok) return server;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  server.kill();
  throw new Error(`vite preview did not answer on ${url}`);
}

/**
 * The tab's peak memory: the high-water mark of resident memory (VmHWM, Linux /proc) of the
 * largest renderer process, which hosts the page, the engine worker, ORT's threads and the
 * WASM heap. The page's own measureUserAgentSpecificMemory does not answer while the worker
 * is busy, so on Linux this replaces it.
 */
async function rendererPeakMemory(browser: Browser): Promise<MemoryReport | null> {
  if (process.platform !== 'linux') return null;
  const cdp = await browser.newBrowserCDPSession();
  const { processInfo } = await cdp.send('SystemInfo.getProcessInfo');
  let peak = 0;
  for (const { type, id } of processInfo) {
    if (type !== 'renderer') continue;
    try {
      const status = readFileSync(`/proc/${id}/status`, 'utf8');
      const kb = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1]);
      if (Number.isFinite(kb)) peak = Math.max(peak, kb * 1024);
    } catch {
      // the process has gone
    }
  }
  return peak === 0
    ? null
    : { peakBytes: peak, samples: 1, source: "peak RSS (VmHWM) of the tab's renderer process" };
}

/** The smoke check: every part of the report is there (no timing is judged). */
function incomplete(report: BenchmarkReport, photoSets: number): string[] {
  const { result } = report;
  const problems: string[] = [];
  if (result.queries.length !== result.options.librarySizes.length) problems.push('query rows');
  if (result.queries.some((q) => q.crossProbeWasm.length === 0)) problems.push('cross-probe cells');
  if (result.stage2.length === 0) problems.push('stage-2 rows');
  if (result.accuracy.length === 0) problems.push('accuracy (manifest metrics)');
  if (result.indexing.length !== photoSets || result.indexing.some((r) => r.indexed !== r.photos))
    problems.push('indexing rows (every photo indexed)');
  if (result.storage.quantisation.length !== 3) problems.push('quantisation rows');
  if (result.storage.storedBytesPerPhoto === null) problems.push('probe bytes read back');
  const gpuCellsMissing = (q: (typeof result.queries)[number]) =>
    q.crossProbeWebgpu.length === 0 && q.webgpuSkipped === null;
  if (result.backend.gpu !== null && result.queries.some(gpuCellsMissing))
    problems.push('WebGPU cells despite an adapter');
  return problems;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      json: { type: 'string' },
      port: { type: 'string', default: '4187' },
      // The engine's backend (indexing runs on it): WASM unless asked; the WGSL kernels are
      // timed on WebGPU either way, wherever an adapter exists.
      backend: { type: 'string', default: 'wasm' },
    },
  });
  const preset: BenchmarkPreset = values.quick ? 'quick' : 'full';
  const photos = ensurePhotos(preset);
  if (!values['no-build'] || !existsSync(join(ROOT, OUT_DIR, 'index.html'))) {
    const vite = 'node_modules/vite/bin/vite.js';
    run(process.execPath, [vite, 'build', '--outDir', OUT_DIR, '--emptyOutDir']);
  }
  const server = await startPreview(Number(values.port));
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: BENCH_CHROMIUM_ARGS,
  });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(
      `http://127.0.0.1:${values.port}/?backend=${encodeURIComponent(values.backend)}`,
    );
    // The pack loads (download, compile, warm-up) or fails; minutes on a busy 2-core machine.
    await page.getByTestId('pack-ready').or(page.getByTestId('pack-error')).waitFor({
      timeout: 900_000,
    });
    if (await page.getByTestId('pack-error').isVisible()) {
      throw new Error(
        `the model pack did not load: ${await page.getByTestId('pack-error').innerText()}`,
      );
    }
    await page.getByTestId('bench-photos-input').setInputFiles(photos);
    const folders = await page.getByTestId('bench-folders').textContent();
    console.log(`benchmark (${preset}); indexing also on ${folders?.replace(/^.*?: /, '') ?? '—'}`);

    let lastStep = '';
    const progress = setInterval(() => {
      page
        .getByTestId('bench-progress')
        .locator('p')
        .textContent({ timeout: 500 })
        .then((step) => {
          if (step !== null && step !== lastStep) console.log(`  … ${(lastStep = step)}`);
        })
        .catch(() => undefined);
    }, 1000);
    let report: BenchmarkReport;
    try {
      report = await page.evaluate(async (chosen) => {
        const driver = window.probeSearchBenchmark;
        if (driver === undefined) throw new Error('the Benchmark panel is not on the page');
        return driver.run(chosen);
      }, preset);
    } finally {
      clearInterval(progress);
    }
    report = { ...report, memory: (await rendererPeakMemory(browser)) ?? report.memory };

    console.log(`\n${reportText(report)}\n`);
    if (values.json !== undefined) {
      writeFileSync(values.json, `${JSON.stringify(report, null, 1)}\n`);
      console.log(`JSON written to ${values.json}`);
    }
    const setCount = 1 + PHOTO_FOLDERS[preset].sets.length;
    const problems = incomplete(report, setCount);
    if (errors.length > 0) problems.push(`page errors: ${errors.join('; ')}`);
    if (problems.length > 0)
      throw new Error(`the benchmark report is incomplete: ${problems.join(', ')}`);
  } finally {
    await browser.close();
    server.kill();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
