import { describe, expect, it } from 'vitest';
import { PackFormatError, packFileUrl, parseManifest } from './manifest.ts';

// Whole-manifest validation runs against real packs in pack.test.ts.
describe('packFileUrl', () => {
  it('joins a pack folder and a file name', () => {
    expect(packFileUrl('models/cpb-coco80-v1', 'vocab.json')).toBe(
      'models/cpb-coco80-v1/vocab.json',
    );
    expect(packFileUrl('https://example.org/models/p/', 'text_encoder.onnx')).toBe(
      'https://example.org/models/p/text_encoder.onnx',
    );
  });

  it.each(['../secret.json', 'sub/file.bin', '', '.hidden'])('refuses %j', (name) => {
    expect(() => packFileUrl('models/p', name)).toThrow(PackFormatError);
  });
});

describe('parseManifest', () => {
  it.each([null, [], 'manifest'])('refuses %j with a named error', (json) => {
    expect(() => parseManifest(json)).toThrow(PackFormatError);
  });

  it('names the supported versions when refusing another one', () => {
    const error = (() => {
      try {
        parseManifest({ format: 'probe-search-pack', formatVersion: 7 });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(PackFormatError);
    expect((error as Error).name).toBe('PackFormatError');
    expect((error as Error).message).toMatch(/formatVersion 7.*reads formatVersion 1/);
  });
});
