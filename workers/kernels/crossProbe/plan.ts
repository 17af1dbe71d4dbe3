/**
 * Sizes and shader constants of the cross-probe kernels: pure functions of the model's shape and
 * the device's limits, kept apart from the GPU calls so that Node tests can check them.
 */

/** The linear kernel's tiling (linear.wgsl). 8 × 8 threads, each a 4 × 4 block of outputs. */
export const LINEAR_TILE = {
  m: 32,
  n: 32,
  k: 16,
  threadsM: 8,
  threadsN: 8,
} as const;

/** Threads per workgroup of gather, layerNorm, attention and poolCosine (their THREADS). */
export const ROW_THREADS = 64;

/** Candidates per chunk unless the caller says otherwise: bounds activation memory (not speed). */
export const DEFAULT_MAX_CANDIDATES_PER_CHUNK = 1024;

export interface KernelShape {
  /** Pt */
  readonly textRows: number;
  /** Pt + Pv */
  readonly rows: number;
  /** d */
  readonly width: number;
  readonly heads: number;
  readonly ffnWidth: number;
}

export type WgslConstant =
  { readonly u32: number } | { readonly f32: number } | { readonly bool: boolean };

/** `const NAME: type = value;` lines that the driver prepends to a .wgsl file. */
export function wgslConstants(values: Readonly<Record<string, WgslConstant>>): string {
  return Object.entries(values)
    .map(([name, value]) => {
      if ('u32' in value) {
        if (!Number.isInteger(value.u32) || value.u32 < 0 || value.u32 > 0xffffffff)
          throw new RangeError(`${name}: ${value.u32} is not a u32`);
        return `const ${name}: u32 = ${value.u32}u;`;
      }
      if ('f32' in value) {
        if (!Number.isFinite(value.f32))
          throw new RangeError(`${name}: ${value.f32} is not finite`);
        // toExponential always gives a valid WGSL float literal ("1e-5", "3.5355e-1").
        return `const ${name}: f32 = ${value.f32.toExponential()}f;`;
      }
      return `const ${name}: bool = ${String(value.bool)};`;
    })
    .join('\n');
}

/** Bytes of workgroup memory attention.wgsl needs: keys, values and the probabilities. */
export function attentionWorkgroupBytes(shape: KernelShape): number {
  const headDim = shape.width / shape.heads;
  return 4 * (2 * shape.rows * headDim + shape.rows * shape.rows);
}

/** Bytes of workgroup memory linear.wgsl needs: one x tile and one W tile. */
export function linearWorkgroupBytes(): number {
  return 4 * LINEAR_TILE.k * (LINEAR_TILE.m + LINEAR_TILE.n);
}

/** Floats per candidate in the widest activation buffer (the qkv or the FFN hidden layer). */
export function widestActivation(shape: KernelShape): number {
  return shape.rows * Math.max(3 * shape.width, shape.ffnWidth, shape.width);
}

export interface ChunkLimits {
  readonly maxStorageBufferBindingSize: number;
  readonly maxBufferSize: number;
  readonly maxComputeWorkgroupsPerDimension: number;
}

/**
 * The most candidates one chunk (one submit) may hold: every activation buffer must fit one
 * storage binding, and every dispatch's grid must fit maxComputeWorkgroupsPerDimension
 * (gather and layerNorm: one workgroup per token; attention: per candidate along x; linear:
 * one row of tiles per TILE_M tokens). At least 1, or a RangeError when one candidate is
 * already too big.
 */
export function maxCandidatesPerChunk(
  limits: ChunkLimits,
  shape: KernelShape,
  cap = DEFAULT_MAX_CANDIDATES_PER_CHUNK,
): number {
  const bytes = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const groups = limits.maxComputeWorkgroupsPerDimension;
  const byMemory = Math.floor(bytes / (4 * widestActivation(shape)));
  const byTokenGrid = Math.floor(groups / shape.rows);
  const byLinearGrid = Math.floor((groups * LINEAR_TILE.m) / shape.rows);
  const chunk = Math.min(cap, byMemory, byTokenGrid, byLinearGrid, groups);
  if (chunk < 1) {
    throw new RangeError(
      `one candidate needs ${4 * widestActivation(shape)} bytes and ${shape.rows} workgroups; ` +
        `the device allows ${bytes} bytes per binding and ${groups} workgroups per dimension`,
    );
  }
  return chunk;
}

/** Chunks [start, start + count) covering `total` candidates, each at most `chunk`. */
export function chunks(total: number, chunk: number): { start: number; count: number }[] {
  const result: { start: number; count: number }[] = [];
  for (let start = 0; start < total; start += chunk)
    result.push({ start, count: Math.min(chunk, total - start) });
  return result;
}
