/**
 * The GPU self-test page (gpu-check.html): runs the cross-probe kernel cases and the installed
 * pack's golden vectors on this device's WebGPU and shows max |Δ| per case. A diagnostics page
 * for users ("does this GPU compute the model correctly?") and the harness of
 * e2e/gpu-kernels.spec.ts, which reads the report from window.__gpuCheck.
 */
import { packFileUrl, parseManifest, type PackManifest } from '../model/manifest.ts';
import { acquireGpu, type GpuDescription } from '../../workers/gpu/device.ts';
import {
  crossProbeCases,
  parseGoldenCrossProbe,
  type GoldenCrossProbe,
} from '../../workers/kernels/crossProbe/cases.ts';
import { crossProbeKernelConfig } from '../../workers/kernels/crossProbe/crossProbeKernels.ts';
import {
  checkCase,
  checkGolden,
  describeError,
  type GpuCheckReport,
  type KernelCheckResult,
} from '../../workers/kernels/crossProbe/selfTest.ts';
import '../styles.css';

declare global {
  interface Window {
    /** Settles once every check has run; never rejects (failures are in the report). */
    __gpuCheck?: Promise<GpuCheckReport>;
  }
}

const MODELS = 'models';

interface InstalledPack {
  readonly manifest: PackManifest;
  readonly weights: ArrayBuffer;
  readonly golden: GoldenCrossProbe;
}

async function fetchOk(url: string): Promise<Response> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response;
}

/** The default pack named by models/index.json, or null when the build ships none. */
async function loadPack(): Promise<InstalledPack | null> {
  const index = await fetch(`${MODELS}/index.json`);
  if (index.status === 404) return null;
  if (!index.ok) throw new Error(`${MODELS}/index.json: HTTP ${index.status}`);
  const { default: id } = (await index.json()) as { default?: unknown };
  if (typeof id !== 'string') throw new Error(`${MODELS}/index.json names no default pack`);
  const base = packFileUrl(MODELS, id);
  const manifest = parseManifest(await (await fetchOk(packFileUrl(base, 'manifest.json'))).json());
  const [weights, golden] = await Promise.all([
    fetchOk(packFileUrl(base, manifest.crossProbe.weightsFile)).then((r) => r.arrayBuffer()),
    fetchOk(packFileUrl(base, manifest.golden)).then((r) => r.json() as Promise<unknown>),
  ]);
  return {
    manifest,
    weights,
    golden: parseGoldenCrossProbe(golden, crossProbeKernelConfig(manifest)),
  };
}

// ------------------------------------------------------------------ view

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text: string,
  testId?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.textContent = text;
  if (testId !== undefined) node.dataset.testid = testId;
  return node;
}

function formatDelta(delta: number | null): string {
  if (delta === null) return '—';
  return Number.isFinite(delta) ? delta.toExponential(2) : '∞';
}

function describeAdapter(adapter: GpuDescription): string {
  const parts = [adapter.vendor, adapter.architecture, adapter.device, adapter.description];
  const named = parts.filter((part) => part !== '').join(' · ') || 'unnamed adapter';
  return adapter.isFallbackAdapter ? `${named} (fallback adapter: software or reduced)` : named;
}

function createView(root: HTMLElement) {
  root.append(element('h1', 'GPU check'));
  root.append(
    element(
      'p',
      'Runs the Cross-Probe BERT ranking kernels on this device’s GPU (WebGPU) and compares ' +
        'every output with the reference computation. Nothing leaves this device.',
    ),
  );
  const adapter = root.appendChild(element('p', 'Looking for a GPU…', 'gpu-check-adapter'));
  const table = root.appendChild(document.createElement('table'));
  const head = table.createTHead().insertRow();
  for (const title of ['case', 'candidates', 'max |Δ| scores', 'max |Δ| late outputs', 'result'])
    head.append(element('th', title));
  const body = table.createTBody();
  const status = root.appendChild(element('p', 'Running…', 'gpu-check-status'));
  return {
    adapter(text: string) {
      adapter.textContent = text;
    },
    add(result: KernelCheckResult) {
      const row = body.insertRow();
      row.dataset.testid = 'gpu-check-case';
      row.dataset.passed = String(result.passed);
      for (const text of [
        result.name,
        result.candidates,
        formatDelta(result.maxAbsDeltaScores),
        formatDelta(result.maxAbsDeltaLate),
        result.passed ? 'pass' : `FAIL${result.error === null ? '' : `: ${result.error}`}`,
      ])
        row.append(element('td', text));
    },
    done(report: GpuCheckReport) {
      const failed = report.results.filter((r) => !r.passed).length;
      const note = report.error === null ? '' : ` — ${report.error}`;
      status.textContent = report.passed
        ? `All ${report.results.length} checks passed (tolerance 1e-4).${note}`
        : `${failed} of ${report.results.length} checks failed${note}`;
      status.dataset.passed = String(report.passed);
    },
  };
}

// ------------------------------------------------------------------ run

async function run(view: ReturnType<typeof createView>): Promise<GpuCheckReport> {
  let gpu;
  try {
    gpu = await acquireGpu({ label: 'gpu-check' });
  } catch (error) {
    view.adapter(`No usable GPU: ${describeError(error)}`);
    return { adapter: null, error: describeError(error), pack: null, results: [], passed: false };
  }
  view.adapter(describeAdapter(gpu.description));
  const results: KernelCheckResult[] = [];
  const record = (added: readonly KernelCheckResult[]) => {
    results.push(...added);
    added.forEach(view.add);
  };
  let pack: GpuCheckReport['pack'] = null;
  let error: string | null = null;
  try {
    for (const c of crossProbeCases()) record(await checkCase(gpu.device, c));
    try {
      const installed = await loadPack();
      if (installed !== null) {
        pack = {
          id: installed.manifest.id,
          lateOutputs: installed.golden.lateOutputs !== undefined,
        };
        record([
          await checkGolden(gpu.device, installed.manifest, installed.weights, installed.golden),
        ]);
      }
    } catch (packError) {
      error = `the installed pack could not be read: ${describeError(packError)}`;
    }
  } finally {
    gpu.destroy();
  }
  return {
    adapter: gpu.description,
    error,
    pack,
    results,
    passed: error === null && results.length > 0 && results.every((r) => r.passed),
  };
}

const root = document.getElementById('gpu-check');
if (root === null) throw new Error('gpu-check.html has no #gpu-check element');
const view = createView(root);
window.__gpuCheck = run(view).then((report) => {
  view.done(report);
  return report;
});
