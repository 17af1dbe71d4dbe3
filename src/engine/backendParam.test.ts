import { describe, expect, it } from 'vitest';
import { backendFromUrl, testHooksFromUrl } from './backendParam.ts';

describe('backendFromUrl', () => {
  it('reads ?backend=wasm and ?backend=webgpu', () => {
    expect(backendFromUrl('?backend=wasm')).toBe('wasm');
    expect(backendFromUrl('?q=two+dogs&backend=webgpu')).toBe('webgpu');
  });

  it('is auto without the parameter or with a value it does not know', () => {
    expect(backendFromUrl('')).toBe('auto');
    expect(backendFromUrl('?backend=WebGL')).toBe('auto');
  });
});

describe('testHooksFromUrl', () => {
  it('is on only with ?test', () => {
    expect(testHooksFromUrl('?test')).toBe(true);
    expect(testHooksFromUrl('?backend=wasm&test=1')).toBe(true);
    expect(testHooksFromUrl('?q=test')).toBe(false);
  });
});
