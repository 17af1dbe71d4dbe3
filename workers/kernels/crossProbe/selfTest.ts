/**
 * Runs the cross-probe test cases (cases.ts) and a pack's golden vectors on a GPU device and
 * reports max |Δ| per case: "does this device compute the model correctly?". Used by the
 * diagnostics page (gpu-check.html) and through it by e2e/gpu-kernels.spec.ts.
 */
import type { PackManifest } from '../../../src/model/manifest.ts';
import type { GpuDescription } from '../../gpu/device.ts';
import { maxAbsDelta, type CrossProbeCase, type GoldenCrossProbe } from './cases.ts';
import {
  createCrossProbeRunner,
  createResidentLibrary,
  type CrossProbeCandidates,
  type CrossProbeRunner,
} from './crossProbeKernels.ts';

export interface KernelCheckResult {
  readonly name: string;
  /** synthetic: a cases.ts model; golden: the pack's own weights and golden.json. */
  readonly kind: 'synthetic' | 'golden';
  /** uploaded: candidates sent as arrays; resident: gathered from a GPU-resident library. */
  readonly candidates: 'uploaded' | 'resident';
  readonly maxAbsDeltaScores: number;
  /** null where the reference gives no late outputs (a pack without golden lateOutputs). */
  readonly maxAbsDeltaLate: number | null;
  readonly tolerance: number;
  readonly passed: boolean;
  /** The error's name and message when the run threw. */
  readonly error: string | null;
}

export interface GpuCheckReport {
  /** null when no GPU device could be had (see error). */
  readonly adapter: GpuDescription | null;
  /** Why no device, or why the pack could not be read (its name and message). */
  readonly error: string | null;
  /** The pack whose golden vectors ran, or null when none is installed. */
  readonly pack: { readonly id: string; readonly lateOutputs: boolean } | null;
  readonly results: readonly KernelCheckResult[];
  /** A device, at least one result, and every result passed. */
  readonly passed: boolean;
}

export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function result(
  base: Pick<KernelCheckResult, 'name' | 'kind' | 'candidates' | 'tolerance'>,
  maxAbsDeltaScores: number,
  maxAbsDeltaLate: number | null,
): KernelCheckResult {
  const within = (delta: number) => delta <= base.tolerance;
  return {
    ...base,
    maxAbsDeltaScores,
    maxAbsDeltaLate,
    passed: within(maxAbsDeltaScores) && (maxAbsDeltaLate === null || within(maxAbsDeltaLate)),
    error: null,
  };
}

async function guarded(
  base: Pick<KernelCheckResult, 'name' | 'kind' | 'candidates' | 'tolerance'>,
  check: () => Promise<KernelCheckResult>,
): Promise<KernelCheckResult> {
  try {
    return await check();
  } catch (error) {
    return {
      ...base,
      maxAbsDeltaScores: Infinity,
      maxAbsDeltaLate: null,
      passed: false,
      error: describeError(error),
    };
  }
}

/**
 * The case's candidates placed in a resident library in reverse order behind a distractor row,
 * so that a kernel which ignored the row list (or read the wrong row) would fail.
 */
function residentCandidates(
  device: GPUDevice,
  c: CrossProbeCase,
): { candidates: CrossProbeCandidates; destroy(): void } {
  const { visionProbes: pv, width: d } = c.config;
  const k = c.shape.candidates;
  const probes = new Float32Array((k + 1) * pv * d);
  const globals = new Float32Array((k + 1) * d);
  probes.fill(3); // row 0: the distractor
  globals.fill(-3);
  const rows = new Uint32Array(k);
  for (let i = 0; i < k; i++) {
    const row = k - i;
    rows[i] = row;
    probes.set(c.visionProbes.subarray(i * pv * d, (i + 1) * pv * d), row * pv * d);
    globals.set(c.visionGlobal.subarray(i * d, (i + 1) * d), row * d);
  }
  const library = createResidentLibrary(device, c.config, probes, globals);
  return {
    candidates: { library, rows },
    destroy() {
      library.probes.destroy();
      library.globals.destroy();
    },
  };
}

/** Each case through the uploaded and the resident path. */
export async function checkCase(
  device: GPUDevice,
  c: CrossProbeCase,
): Promise<KernelCheckResult[]> {
  const results: KernelCheckResult[] = [];
  let runner: CrossProbeRunner | undefined;
  const base = { name: c.shape.name, kind: 'synthetic', tolerance: c.tolerance } as const;
  try {
    runner = await createCrossProbeRunner(
      device,
      c.spec,
      c.weightsFile,
      c.shape.maxCandidatesPerChunk === undefined
        ? {}
        : { maxCandidatesPerChunk: c.shape.maxCandidatesPerChunk },
    );
  } catch (error) {
    for (const candidates of ['uploaded', 'resident'] as const)
      results.push(await guarded({ ...base, candidates }, () => Promise.reject(error)));
    return results;
  }
  const active = runner;
  const query = { textProbes: c.textProbes, textGlobal: c.textGlobal };
  const compare = async (candidates: CrossProbeCandidates, path: 'uploaded' | 'resident') =>
    guarded({ ...base, candidates: path }, async () => {
      const out = await active.scoreWithLateOutputs(query, candidates);
      return result(
        { ...base, candidates: path },
        maxAbsDelta(out.scores, c.expectedScores),
        maxAbsDelta(out.lateOutputs, c.expectedLateOutputs),
      );
    });
  try {
    results.push(
      await compare({ visionProbes: c.visionProbes, visionGlobal: c.visionGlobal }, 'uploaded'),
    );
    const resident = residentCandidates(device, c);
    try {
      results.push(await compare(resident.candidates, 'resident'));
    } finally {
      resident.destroy();
    }
  } finally {
    active.dispose();
  }
  return results;
}

/** A pack's own weights against its golden.json: every query × every image, plus late outputs. */
export async function checkGolden(
  device: GPUDevice,
  manifest: PackManifest,
  weightsFile: ArrayBuffer,
  golden: GoldenCrossProbe,
): Promise<KernelCheckResult> {
  const base = {
    name: `golden: ${manifest.id} ${manifest.version}`,
    kind: 'golden',
    candidates: 'uploaded',
    tolerance: golden.tolerance,
  } as const;
  return guarded(base, async () => {
    const runner = await createCrossProbeRunner(device, manifest, weightsFile);
    try {
      const visionProbes = Float32Array.from(
        golden.images.flatMap((image) => Array.from(image.visionProbes)),
      );
      const visionGlobal = Float32Array.from(
        golden.images.flatMap((image) => Array.from(image.visionGlobal)),
      );
      let scoresDelta = 0;
      for (const [q, query] of golden.queries.entries()) {
        const scores = await runner.score(query, { visionProbes, visionGlobal });
        scoresDelta = Math.max(scoresDelta, maxAbsDelta(scores, golden.scores[q] ?? []));
      }
      let lateDelta: number | null = null;
      const late = golden.lateOutputs;
      const query = late === undefined ? undefined : golden.queries[late.query];
      const image = late === undefined ? undefined : golden.images[late.image];
      if (late !== undefined && query !== undefined && image !== undefined) {
        const out = await runner.scoreWithLateOutputs(query, image);
        lateDelta = maxAbsDelta(out.lateOutputs, late.values);
      }
      return result(base, scoresDelta, lateDelta);
    } finally {
      runner.dispose();
    }
  });
}
