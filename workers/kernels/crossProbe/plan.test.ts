import { describe, expect, it } from 'vitest';
import {
  attentionWorkgroupBytes,
  chunks,
  LINEAR_TILE,
  maxCandidatesPerChunk,
  wgslConstants,
  type KernelShape,
} from './plan.ts';

const shape: KernelShape = { textRows: 4, rows: 12, width: 96, heads: 4, ffnWidth: 384 };
const roomy = {
  maxStorageBufferBindingSize: 1 << 30,
  maxBufferSize: 1 << 30,
  maxComputeWorkgroupsPerDimension: 65535,
};

describe('cross-probe kernel plan', () => {
  it('caps a chunk by the caller, by memory and by the dispatch grid', () => {
    expect(maxCandidatesPerChunk(roomy, shape)).toBe(1024);
    expect(maxCandidatesPerChunk(roomy, shape, 7)).toBe(7);
    // The widest buffer is the FFN hidden layer: 12 rows × 384 floats × 4 bytes per candidate.
    const perCandidate = 12 * 384 * 4;
    expect(
      maxCandidatesPerChunk(
        { ...roomy, maxStorageBufferBindingSize: 10 * perCandidate + 1 },
        shape,
      ),
    ).toBe(10);
    expect(maxCandidatesPerChunk({ ...roomy, maxBufferSize: 3 * perCandidate }, shape)).toBe(3);
    // gather and layerNorm run one workgroup per token.
    expect(maxCandidatesPerChunk({ ...roomy, maxComputeWorkgroupsPerDimension: 120 }, shape)).toBe(
      10,
    );
    expect(() => maxCandidatesPerChunk({ ...roomy, maxBufferSize: 100 }, shape)).toThrow(
      RangeError,
    );
  });

  it('splits K into chunks that cover it exactly', () => {
    expect(chunks(10, 3)).toEqual([
      { start: 0, count: 3 },
      { start: 3, count: 3 },
      { start: 6, count: 3 },
      { start: 9, count: 1 },
    ]);
    expect(chunks(3, 8)).toEqual([{ start: 0, count: 3 }]);
    expect(chunks(0, 8)).toEqual([]);
  });

  it('sizes workgroup memory for attention', () => {
    // keys + values (12 × 24 each) and 12 × 12 probabilities
    expect(attentionWorkgroupBytes(shape)).toBe(4 * (2 * 12 * 24 + 144));
    expect(LINEAR_TILE.m % LINEAR_TILE.threadsM).toBe(0);
    expect(LINEAR_TILE.n % LINEAR_TILE.threadsN).toBe(0);
  });

  it('writes WGSL constants with valid literals', () => {
    expect(wgslConstants({ ROWS: { u32: 12 }, EPS: { f32: 1e-5 }, GELU: { bool: true } })).toBe(
      'const ROWS: u32 = 12u;\nconst EPS: f32 = 1e-5f;\nconst GELU: bool = true;',
    );
    expect(wgslConstants({ SCALE: { f32: 0.5 } })).toBe('const SCALE: f32 = 5e-1f;');
    expect(() => wgslConstants({ ROWS: { u32: -1 } })).toThrow(RangeError);
    expect(() => wgslConstants({ EPS: { f32: NaN } })).toThrow(RangeError);
  });
});
