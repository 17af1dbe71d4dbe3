/**
 * Finding and downloading the model pack: models/index.json names the default pack, its
 * manifest.json says which files it has with their sizes and SHA-256; each file the engine needs
 * is downloaded with byte progress and checked against the manifest. Failures are named errors:
 * PackMissingError (not reachable), PackCorruptError (wrong bytes), PackUnsupportedError.
 */
import type { PackProgress } from '../src/engine/api.ts';
import { EngineError } from '../src/engine/errors.ts';
import {
  PackFormatError,
  packFileUrl,
  parseManifest,
  type PackManifest,
} from '../src/model/manifest.ts';

export type Fetch = (url: string, init?: RequestInit) => Promise<Response>;

export interface DownloadedPack {
  readonly manifest: PackManifest;
  /** Absolute URL of the pack folder, ending in "/". */
  readonly packUrl: string;
  readonly files: ReadonlyMap<string, Uint8Array<ArrayBuffer>>;
  readonly bytes: number;
}

/** The files the engine runs on; the rest (baselines, golden vectors) are fetched by tools. */
export function runtimeFiles(manifest: PackManifest): string[] {
  return [
    manifest.detector.file,
    manifest.text.file,
    manifest.text.vocabFile,
    manifest.vision.file,
    manifest.crossProbe.onnxFile,
    // The WGSL kernels' weights (stage 2 on WebGPU).
    manifest.crossProbe.weightsFile,
  ];
}

/** Progress callbacks cross the worker boundary; at most one per interval per file. */
const PROGRESS_INTERVAL_MS = 100;

async function fetchOk(fetchFn: Fetch, url: string, init?: RequestInit): Promise<Response> {
  let response: Response;
  try {
    response = await fetchFn(url, init);
  } catch (error) {
    throw new EngineError('PackMissingError', `Could not fetch ${url}: ${String(error)}`, {
      cause: error,
    });
  }
  if (!response.ok) {
    throw new EngineError('PackMissingError', `Could not fetch ${url}: HTTP ${response.status}`);
  }
  return response;
}

async function fetchJson(fetchFn: Fetch, url: string): Promise<unknown> {
  // 'no-cache' revalidates: a rebuilt pack is seen on the next load.
  const response = await fetchOk(fetchFn, url, { cache: 'no-cache' });
  const text = await response.text();
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new EngineError('PackCorruptError', `${url} is not valid JSON`, { cause: error });
  }
}

/** The default pack id named by models/index.json ({"default": id, "packs": [id, ...]}). */
export function parsePackIndex(json: unknown, url: string): string {
  const index = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
  const { default: id, packs } = index;
  if (typeof id !== 'string' || !Array.isArray(packs) || !packs.includes(id)) {
    throw new EngineError(
      'PackUnsupportedError',
      `${url} must be {"default": id, "packs": [id, ...]} with the default among the packs`,
    );
  }
  return id;
}

async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function readBody(
  response: Response,
  expected: number,
  onBytes: (received: number) => void,
): Promise<Uint8Array<ArrayBuffer>> {
  if (response.body === null) return new Uint8Array(await response.arrayBuffer());
  // The manifest's size, not Content-Length (absent or compressed on some hosts), sizes the
  // buffer; a longer body is caught below without growing it.
  const out = new Uint8Array(expected);
  let received = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (received + value.length <= expected) out.set(value, received);
    received += value.length;
    onBytes(received);
  }
  return received === expected ? out : new Uint8Array(received);
}

export async function downloadPack(
  modelsUrl: string,
  onProgress: (progress: PackProgress) => void,
  fetchFn: Fetch = fetch,
): Promise<DownloadedPack> {
  const indexUrl = new URL('index.json', modelsUrl).href;
  const id = parsePackIndex(await fetchJson(fetchFn, indexUrl), indexUrl);
  const packUrl = new URL(`${encodeURIComponent(id)}/`, modelsUrl).href;
  let manifest: PackManifest;
  try {
    manifest = parseManifest(await fetchJson(fetchFn, packFileUrl(packUrl, 'manifest.json')));
  } catch (error) {
    if (!(error instanceof PackFormatError)) throw error;
    throw new EngineError('PackUnsupportedError', `Model pack ${id}: ${error.message}`, {
      cause: error,
    });
  }

  const names = runtimeFiles(manifest);
  const sizes = names.map((name) => manifest.files[name]?.bytes ?? 0);
  const total = sizes.reduce((a, b) => a + b, 0);
  const files = new Map<string, Uint8Array<ArrayBuffer>>();
  let before = 0;
  for (const [i, name] of names.entries()) {
    const entry = manifest.files[name];
    if (entry === undefined) throw new EngineError('PackCorruptError', `${name} is not listed`);
    onProgress({ phase: 'download', item: name, done: before, total });
    const url = packFileUrl(packUrl, name);
    let lastReport = Date.now();
    const bytes = await readBody(await fetchOk(fetchFn, url), entry.bytes, (received) => {
      if (Date.now() - lastReport < PROGRESS_INTERVAL_MS) return;
      lastReport = Date.now();
      onProgress({ phase: 'download', item: name, done: before + received, total });
    });
    if (bytes.length !== entry.bytes) {
      throw new EngineError(
        'PackCorruptError',
        `${name}: got ${bytes.length} bytes, the manifest says ${entry.bytes}`,
      );
    }
    if ((await sha256Hex(bytes)) !== entry.sha256) {
      throw new EngineError('PackCorruptError', `${name}: SHA-256 differs from the manifest`);
    }
    files.set(name, bytes);
    before += sizes[i] ?? 0;
  }
  onProgress({ phase: 'download', item: 'all files', done: total, total });
  return { manifest, packUrl, files, bytes: total };
}
