/**
 * The benchmark's two presets: a quick smoke run (seconds to a minute or two, checks that every
 * path works) and the full benchmark (minutes; the figures to report). Shared by the in-app
 * panel and scripts/bench.ts. Pure data.
 */
import type { BenchmarkOptions } from './types.ts';

export type BenchmarkPreset = 'quick' | 'full';

/** The sizes of a quick smoke run and of the full benchmark (the script's and panel's presets). */
export const QUICK_OPTIONS: Omit<BenchmarkOptions, 'photoSets'> = {
  librarySizes: [1000],
  shortlists: [100, 'default'],
  repeats: 2,
  maxCellMs: 3000,
  baseRegionSets: 64,
  matmulSize: { wasm: 256, webgpu: 128 },
  webgpu: true,
  seed: 1,
};

export const FULL_OPTIONS: Omit<BenchmarkOptions, 'photoSets'> = {
  librarySizes: [1000, 10_000, 100_000],
  shortlists: [100, 1000, 'default'],
  repeats: 7,
  maxCellMs: 30_000,
  baseRegionSets: 512,
  matmulSize: { wasm: 1024, webgpu: 1024 },
  webgpu: true,
  seed: 1,
};

export const PRESETS: Readonly<Record<BenchmarkPreset, Omit<BenchmarkOptions, 'photoSets'>>> = {
  quick: QUICK_OPTIONS,
  full: FULL_OPTIONS,
};

/** The bundled sample gallery (public/samples): the indexing row every run can time. */
export const SAMPLE_PHOTOS: readonly string[] = [
  'astronaut.png',
  'chelsea.png',
  'coffee.png',
  'rocket.jpg',
];
