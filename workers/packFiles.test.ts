import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PackProgress } from '../src/engine/api.ts';
import { engineErrorName } from '../src/engine/errors.ts';
import { downloadPack, runtimeFiles, type Fetch } from './packFiles.ts';

// A real pack: the tiny test pack (`probesearch.build --config tiny`) or the bundled one.
const PACK_DIRS = ['.cache/build/tiny-pack', 'public/models/cpb-coco80-v1'].map((dir) =>
  resolve(import.meta.dirname, '..', dir),
);
const packDir = PACK_DIRS.find((dir) => existsSync(join(dir, 'manifest.json')));
const MODELS_URL = 'https://app.test/models/';

interface FakeServer {
  fetch: Fetch;
  files: Map<string, Uint8Array>;
  requested: string[];
}

/** Serves models/index.json and the pack folder from memory, as a static host would. */
function fakeServer(dir: string): FakeServer {
  const manifest = readFileSync(join(dir, 'manifest.json'));
  const id = (JSON.parse(manifest.toString()) as { id: string }).id;
  const files = new Map<string, Uint8Array>([
    ['index.json', new TextEncoder().encode(JSON.stringify({ default: id, packs: [id] }))],
    [`${id}/manifest.json`, manifest],
  ]);
  const names = ['detector.onnx', 'text_encoder.onnx', 'vision_encoder.onnx', 'cross_probe.onnx'];
  for (const name of [...names, 'cross_probe.bin', 'vocab.json']) {
    files.set(`${id}/${name}`, readFileSync(join(dir, name)));
  }
  const requested: string[] = [];
  const fetch: Fetch = async (url) => {
    requested.push(url);
    const body = files.get(url.slice(MODELS_URL.length));
    return body === undefined
      ? new Response('not found', { status: 404 })
      : new Response(new Uint8Array(body));
  };
  return { fetch, files, requested };
}

function packId(server: FakeServer): string {
  const index = server.files.get('index.json') ?? new Uint8Array();
  return (JSON.parse(new TextDecoder().decode(index)) as { default: string }).default;
}

async function errorName(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return engineErrorName(error);
}

describe.skipIf(packDir === undefined)('downloadPack', () => {
  const dir = packDir ?? '';

  it('downloads every runtime file, verified, with download progress up to the total', async () => {
    const server = fakeServer(dir);
    const progress: PackProgress[] = [];
    const pack = await downloadPack(MODELS_URL, (p) => progress.push(p), server.fetch);
    const names = runtimeFiles(pack.manifest);
    expect([...pack.files.keys()]).toEqual(names);
    expect(pack.packUrl).toBe(`${MODELS_URL}${packId(server)}/`);
    expect(pack.bytes).toBe(names.reduce((sum, n) => sum + (pack.files.get(n)?.length ?? 0), 0));
    const last = progress.at(-1);
    expect(last).toMatchObject({ phase: 'download', done: pack.bytes, total: pack.bytes });
    expect(progress.every((p) => p.done <= p.total)).toBe(true);
    // Baselines and golden vectors are not downloaded by the app.
    expect(server.requested.some((url) => url.endsWith('full_cross_encoder.onnx'))).toBe(false);
  });

  it('names a missing index, manifest or model file PackMissingError', async () => {
    for (const missing of ['index.json', 'manifest.json', 'text_encoder.onnx']) {
      const server = fakeServer(dir);
      const key = [...server.files.keys()].find((k) => k.endsWith(missing)) ?? missing;
      server.files.delete(key);
      expect(await errorName(downloadPack(MODELS_URL, () => {}, server.fetch))).toBe(
        'PackMissingError',
      );
    }
  });

  it('names a file whose bytes differ from the manifest PackCorruptError', async () => {
    const server = fakeServer(dir);
    const key = `${packId(server)}/vision_encoder.onnx`;
    const flipped = new Uint8Array(server.files.get(key) ?? []);
    flipped[100] = (flipped[100] ?? 0) ^ 0xff;
    server.files.set(key, flipped);
    expect(await errorName(downloadPack(MODELS_URL, () => {}, server.fetch))).toBe(
      'PackCorruptError',
    );
    server.files.set(key, flipped.subarray(0, 1000));
    expect(await errorName(downloadPack(MODELS_URL, () => {}, server.fetch))).toBe(
      'PackCorruptError',
    );
  });

  it('names an unreadable or unsupported manifest', async () => {
    const server = fakeServer(dir);
    const key = `${packId(server)}/manifest.json`;
    const manifest = JSON.parse(new TextDecoder().decode(server.files.get(key))) as object;
    server.files.set(key, new TextEncoder().encode('{"format": '));
    expect(await errorName(downloadPack(MODELS_URL, () => {}, server.fetch))).toBe(
      'PackCorruptError',
    );
    const future = { ...manifest, formatVersion: 99 };
    server.files.set(key, new TextEncoder().encode(JSON.stringify(future)));
    expect(await errorName(downloadPack(MODELS_URL, () => {}, server.fetch))).toBe(
      'PackUnsupportedError',
    );
  });

  it('refuses an index.json whose default pack is not listed', async () => {
    const server = fakeServer(dir);
    server.files.set('index.json', new TextEncoder().encode('{"default": "x", "packs": []}'));
    expect(await errorName(downloadPack(MODELS_URL, () => {}, server.fetch))).toBe(
      'PackUnsupportedError',
    );
  });
});
