/**
 * How scripts drive the Benchmark panel (scripts/bench.ts, e2e/bench.spec.ts): the panel puts
 * this on window once mounted; `run` is the panel's own Run, with the folders chosen in it.
 */
import type { BenchmarkReport } from '../engine/api.ts';
import type { BenchmarkPreset } from '../../workers/bench/presets.ts';

export interface BenchmarkDriver {
  /** Runs a preset with the photo folders chosen in the panel; resolves with the report. */
  run(preset: BenchmarkPreset): Promise<BenchmarkReport>;
}

declare global {
  interface Window {
    probeSearchBenchmark?: BenchmarkDriver;
  }
}
