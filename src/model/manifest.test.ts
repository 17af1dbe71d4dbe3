import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
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

describe('metrics.probeQuantisation', () => {
  const pack = JSON.parse(
    readFileSync(
      resolve(import.meta.dirname, '../../public/models/cpb-coco80-v1/manifest.json'),
      'utf8',
    ),
  ) as { metrics: Record<string, unknown> };
  const recall = (r1: number) => ({ 't2i R@1': r1, 't2i R@10': 90, 'i2t R@1': 50, 'i2t R@10': 70 });
  const withFigures = (figures: unknown) => ({
    ...pack,
    metrics: { ...pack.metrics, probeQuantisation: figures },
  });

  it('is null in a pack built without it', () => {
    const metrics = { ...pack.metrics };
    delete metrics.probeQuantisation;
    expect(parseManifest({ ...pack, metrics }).probeQuantisation).toBeNull();
  });

  it('reads R@1 and R@10 both ways for each format', () => {
    const parsed = parseManifest(
      withFigures({ float32: recall(60), float16: recall(59.9), int8: recall(58) }),
    ).probeQuantisation;
    expect(parsed?.float16).toEqual({ t2iR1: 59.9, t2iR10: 90, i2tR1: 50, i2tR10: 70 });
    expect(parsed?.int8.t2iR1).toBe(58);
  });

  it.each([
    ['a missing format', { float32: recall(60), float16: recall(60) }, /probeQuantisation\.int8/],
    [
      'a missing figure',
      { float32: recall(60), float16: { 't2i R@1': 60 }, int8: recall(60) },
      /float16\["t2i R@10"\]/,
    ],
    ['a figure over 100', { float32: recall(160), float16: recall(60), int8: recall(60) }, /0–100/],
  ])('refuses %s, naming the field', (_, figures, message) => {
    expect(() => parseManifest(withFigures(figures))).toThrow(message);
  });
});
