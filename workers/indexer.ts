/**
 * One indexing run over a scanned folder: files unchanged since they were indexed (path, size,
 * lastModified, same pack) are reused, new and changed ones go through the models, photos gone
 * from a folder scanned whole are dropped, and every file that cannot be indexed is listed with
 * its reason. Each photo is one task on the engine's serial chain (searches run in between) and
 * one IndexedDB transaction (a reload mid-run leaves whole photos only). A run can be paused
 * and resumed between photos; a cancel also stops the photo in hand at its next stage (decode,
 * detector, vision encoder, write), keeping nothing of it. A full disk ends the run with what
 * was indexed kept. A loose file (dropped or picked one by one: its path is its bare name) whose
 * name a different photo already has is kept as "name (2).ext": nothing is replaced by a file
 * that merely shares its name.
 */
import type {
  DuplicateFile,
  IndexProgress,
  IndexReport,
  IndexRequest,
  PhotoFile,
  RenamedFile,
  SkippedFile,
} from '../src/engine/api.ts';
import { engineErrorName } from '../src/engine/errors.ts';
import type { Detection } from '../src/model/detections.ts';
import type { Letterbox } from '../src/model/letterbox.ts';
import {
  userLibrary,
  type PackKey,
  type PhotoLibrary,
  type PhotoMeta,
} from '../src/storage/library.ts';
import { readExif, swapsSides } from './exif.ts';
import {
  pixelSize,
  sniff,
  SNIFF_BYTES,
  type PhotoFormat,
  type Sniffed,
  type UnsupportedFormat,
} from './imageFormat.ts';
import type { Encoded } from './models.ts';
import { MAX_PIXELS, UnreadablePhotoError, type PhotoDecoder } from './photo.ts';
import type { ProbeIndex } from './probeIndex.ts';
import type { Serial } from './serial.ts';

/** What a run needs of the loaded pack. */
export interface IndexerPack {
  readonly key: PackKey;
  readonly inputSize: number;
  readonly padValue: number;
  readonly index: ProbeIndex;
  /** Paths with probes of another pack; a path indexed or removed now leaves it. */
  readonly stale: Set<string>;
  detect(input: Float32Array, geometry: Letterbox): Promise<Detection[]>;
  encodeVision(images: readonly (readonly Detection[])[]): Promise<Encoded>;
}

export interface IndexerDeps {
  readonly serial: Serial;
  /** The loaded pack; throws PackNotLoadedError when there is none. */
  readonly pack: () => IndexerPack;
  readonly decode: PhotoDecoder;
  /** Milliseconds, monotonic. */
  readonly now: () => number;
  /** Least time between two progress reports, so thousands of quick skips do not flood the UI. */
  readonly progressIntervalMs: number;
  /** Where photos are saved: the user's library unless given (the benchmark has its own). */
  readonly library?: PhotoLibrary;
}

/** Files above this size are not read at all (no photo is this big; videos are). */
export const MAX_FILE_BYTES = 256 * 1024 * 1024;
/** Bytes read for the header's pixel size and EXIF: metadata sits at the start of a file. */
const HEADER_BYTES = 256 * 1024;

const FORMAT_NAMES: Record<PhotoFormat | UnsupportedFormat, string> = {
  jpeg: 'JPEG',
  png: 'PNG',
  webp: 'WebP',
  gif: 'GIF',
  bmp: 'BMP',
  avif: 'AVIF',
  heic: 'HEIC',
  tiff: 'TIFF',
  svg: 'SVG',
  ico: 'ICO',
  psd: 'Photoshop',
  jxl: 'JPEG XL',
};

/**
 * Pause, resume and cancel of one run, from outside it (calls arrive while a photo's stage
 * awaits its model or the decoder).
 */
export class IndexingControl {
  private pausedSince: number | undefined;
  private pausedMs = 0;
  private wake: (() => void) | undefined;
  private cancelled = false;
  /** Called on pause and resume, so the UI hears of it before the photo in hand is done. */
  onChange: () => void = () => undefined;

  constructor(private readonly now: () => number) {}

  get paused(): boolean {
    return this.pausedSince !== undefined;
  }

  get isCancelled(): boolean {
    return this.cancelled;
  }

  /** Milliseconds spent paused so far. */
  pausedFor(): number {
    return this.pausedMs + (this.pausedSince === undefined ? 0 : this.now() - this.pausedSince);
  }

  pause(): void {
    if (this.cancelled || this.pausedSince !== undefined) return;
    this.pausedSince = this.now();
    this.onChange();
  }

  resume(): void {
    if (this.pausedSince === undefined) return;
    this.pausedMs += this.now() - this.pausedSince;
    this.pausedSince = undefined;
    this.wake?.();
    this.onChange();
  }

  /**
   * Stops the run: the photo in hand stops at its next stage and is not saved; photos already
   * indexed are kept.
   */
  cancel(): void {
    this.cancelled = true;
    this.resume();
    this.wake?.();
  }

  /** Waits while paused; false once cancelled. */
  async proceed(): Promise<boolean> {
    while (this.paused && !this.cancelled) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
    this.wake = undefined;
    return !this.cancelled;
  }
}

type Outcome =
  | { readonly kind: 'reused'; readonly sha256: string }
  | { readonly kind: 'indexed'; readonly sha256: string }
  | { readonly kind: 'skipped'; readonly reason: string }
  /** Cancelled between two of its stages: nothing of it was saved. */
  | { readonly kind: 'cancelled' };

const CANCELLED: Outcome = { kind: 'cancelled' };

const skip = (reason: string): Outcome => ({ kind: 'skipped', reason });

function hex(digest: ArrayBuffer): string {
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

const sha256Hex = async (bytes: ArrayBuffer) => hex(await crypto.subtle.digest('SHA-256', bytes));

function sniffReason(sniffed: Exclude<Sniffed, { kind: 'photo' }>): string {
  switch (sniffed.kind) {
    case 'empty':
      return 'empty file (0 bytes)';
    case 'not-image':
      return `not an image (the file holds ${sniffed.looksLike})`;
    case 'unsupported':
      return `${FORMAT_NAMES[sniffed.format]} images are not supported in this browser`;
  }
}

/** A File whose bytes can no longer be read: moved, deleted or changed since it was listed. */
async function readBytes(file: Blob): Promise<ArrayBuffer | undefined> {
  try {
    return await file.arrayBuffer();
  } catch {
    return undefined;
  }
}

const UNREADABLE = 'could not be read: moved, deleted or changed while being indexed';

async function indexFile(
  pack: IndexerPack,
  photo: PhotoFile,
  decode: PhotoDecoder,
  control: IndexingControl,
  library: PhotoLibrary,
): Promise<Outcome> {
  const { file } = photo;
  if (file.size === 0) return skip('empty file (0 bytes)');
  if (file.size > MAX_FILE_BYTES) {
    return skip(`too large to be a photo (${Math.round(file.size / 2 ** 20)} MB)`);
  }
  const head = await readBytes(file.slice(0, SNIFF_BYTES));
  if (head === undefined) return skip(UNREADABLE);
  const sniffed = sniff(new Uint8Array(head));
  let format: PhotoFormat | 'heic';
  if (sniffed.kind === 'photo') format = sniffed.format;
  // HEIC is tried anyway: a browser whose platform decodes it (Safari) indexes it.
  else if (sniffed.kind === 'unsupported' && sniffed.format === 'heic') format = 'heic';
  else return skip(sniffReason(sniffed));
  const bytes = await readBytes(file);
  if (bytes === undefined) return skip(UNREADABLE);
  const sha256 = await sha256Hex(bytes);
  const whole = new Uint8Array(bytes);
  // HEIF (AVIF, HEIC) places its boxes and Exif item by file offset, possibly after the image.
  const metadata = format === 'avif' || format === 'heic' ? whole : whole.subarray(0, HEADER_BYTES);
  const formatName = FORMAT_NAMES[format];
  const stored = pixelSize(format, metadata);
  const exif = readExif(format, metadata);
  if (stored !== undefined && stored.width * stored.height > MAX_PIXELS) {
    const megapixels = Math.round((stored.width * stored.height) / 1e6);
    return skip(`too large to index: ${megapixels} megapixels (limit ${MAX_PIXELS / 1e6})`);
  }
  if (stored !== undefined && (stored.width === 0 || stored.height === 0)) {
    return skip(`damaged ${formatName} file: its header says it has no pixels`);
  }
  const orientedSize =
    stored === undefined || !swapsSides(exif.orientation)
      ? stored
      : { width: stored.height, height: stored.width };
  if (control.isCancelled) return CANCELLED;
  let decoded;
  try {
    decoded = await decode(file, {
      inputSize: pack.inputSize,
      padValue: pack.padValue,
      orientedSize,
      formatName,
    });
  } catch (error) {
    if (!(error instanceof UnreadablePhotoError)) throw error;
    return skip(
      format === 'heic' ? 'HEIC images are not supported in this browser' : error.message,
    );
  }
  if (control.isCancelled) return CANCELLED;
  const detections = await pack.detect(decoded.input, decoded.geometry);
  if (control.isCancelled) return CANCELLED;
  const encoded = await pack.encodeVision([detections]);
  // The last point to stop: the write below is one transaction, all of the photo or nothing.
  if (control.isCancelled) return CANCELLED;
  // Copies that own exactly their bytes: ORT's output views may share a larger buffer.
  const probes = encoded.probes.slice();
  const global = encoded.global.slice();
  await library.savePhoto({
    meta: {
      path: photo.path,
      size: file.size,
      lastModified: file.lastModified,
      format,
      width: decoded.width,
      height: decoded.height,
      sha256,
      exif,
      indexedAt: Date.now(),
    },
    probes: {
      path: photo.path,
      packId: pack.key.id,
      packVersion: pack.key.version,
      detections,
      visionProbes: probes.buffer,
      visionGlobal: global.buffer,
    },
    thumbnail: decoded.thumbnail,
  });
  pack.index.set({ path: photo.path, detections, probes, global });
  pack.stale.delete(photo.path);
  return { kind: 'indexed', sha256 };
}

/** What tells two versions of a file apart. */
type KnownFile = Pick<PhotoMeta, 'size' | 'lastModified' | 'sha256'>;

/** "IMG_1.jpg" numbered n: "IMG_1 (n).jpg". */
export function numberedName(name: string, n: number): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)} (${n})${name.slice(dot)}` : `${name} (${n})`;
}

/**
 * The path a loose file is kept under: its name, or the first of "name (2)", "name (3)", …
 * that is free or holds this same file (same size and date, or same bytes: dropping it again
 * finds it). A file that cannot be read gets a free name, so its failure replaces nothing.
 */
async function loosePath(file: File, name: string, known: ReadonlyMap<string, KnownFile>) {
  let sha256: string | undefined;
  for (let n = 1; ; n++) {
    const path = n === 1 ? name : numberedName(name, n);
    const held = known.get(path);
    if (held === undefined) return path;
    if (held.size === file.size && held.lastModified === file.lastModified) return path;
    if (sha256 === undefined && file.size > 0 && file.size <= MAX_FILE_BYTES) {
      const bytes = await readBytes(file);
      if (bytes !== undefined) sha256 = await sha256Hex(bytes);
    }
    if (sha256 !== undefined && held.sha256 === sha256) return path;
  }
}

const isLoose = (photo: PhotoFile) => !photo.path.includes('/');

/** Indexed photos under the scanned folders that the scan no longer found. */
function removedPaths(
  metas: ReadonlyMap<string, PhotoMeta>,
  request: IndexRequest,
): readonly string[] {
  const scanned = new Set(request.photos.map((p) => p.path));
  const prefixes = request.folders.map((folder) => `${folder}/`);
  return [...metas.keys()].filter(
    (path) => !scanned.has(path) && prefixes.some((prefix) => path.startsWith(prefix)),
  );
}

/** Files with the same bytes as an earlier one (in path order), each with its first copy. */
export function duplicatesOf(hashes: ReadonlyMap<string, string>): DuplicateFile[] {
  const byHash = new Map<string, string[]>();
  for (const [path, hash] of hashes) byHash.set(hash, [...(byHash.get(hash) ?? []), path]);
  const duplicates: DuplicateFile[] = [];
  for (const paths of byHash.values()) {
    const [first, ...rest] = paths.sort();
    if (first === undefined) continue;
    for (const path of rest) duplicates.push({ path, sameAs: first });
  }
  return duplicates.sort((a, b) => (a.path < b.path ? -1 : 1));
}

export async function runIndexing(
  request: IndexRequest,
  onProgress: (progress: IndexProgress) => void,
  control: IndexingControl,
  deps: IndexerDeps,
): Promise<IndexReport> {
  const started = deps.now();
  const { photos } = request;
  const skipped: SkippedFile[] = [];
  const renamed: RenamedFile[] = [];
  const hashes = new Map<string, string>();
  let indexed = 0;
  let reused = 0;
  let done = 0;
  let outcome: IndexReport['outcome'] = 'complete';
  let lastReport = -Infinity;
  const activeSeconds = () => (deps.now() - started - control.pausedFor()) / 1000;

  const report = (current: string | null, force = false) => {
    const now = deps.now();
    if (!force && now - lastReport < deps.progressIntervalMs) return;
    lastReport = now;
    onProgress({
      done,
      total: photos.length,
      current,
      indexed,
      reused,
      failed: skipped.length,
      librarySize: deps.pack().index.size,
      activeSeconds: activeSeconds(),
      paused: control.paused,
    });
  };

  let current: string | null = null;
  control.onChange = () => report(current, true);

  const library = deps.library ?? userLibrary;
  const metas = await library.loadPhotoMetas();
  const removed = removedPaths(metas, request);
  const known = new Map<string, KnownFile>(metas);
  for (const path of removed) known.delete(path);
  await deps.serial(async () => {
    const { index, stale } = deps.pack();
    await library.deletePhotos(removed);
    for (const path of removed) {
      index.delete(path);
      stale.delete(path);
    }
  });

  for (const listed of photos) {
    // The photo in hand when a pause came is done now: say so before waiting.
    if (control.paused) report(current, true);
    if (!(await control.proceed())) {
      outcome = 'cancelled';
      break;
    }
    const photo = isLoose(listed)
      ? { ...listed, path: await loosePath(listed.file, listed.path, known) }
      : listed;
    current = photo.path;
    report(current);
    let result: Outcome;
    try {
      result = await deps.serial(async () => {
        const pack = deps.pack();
        const meta = metas.get(photo.path);
        const unchanged =
          meta !== undefined &&
          meta.size === photo.file.size &&
          meta.lastModified === photo.file.lastModified &&
          pack.index.has(photo.path);
        if (unchanged) return { kind: 'reused', sha256: meta.sha256 } as const;
        return indexFile(pack, photo, deps.decode, control, library);
      });
    } catch (error) {
      if (engineErrorName(error) === 'StorageFullError') {
        outcome = 'storage-full';
        break;
      }
      // The pack went away (or the worker is failing): nothing later can succeed either.
      if (engineErrorName(error) !== undefined) throw error;
      const message = error instanceof Error ? error.message : String(error);
      result = skip(`indexing failed: ${message}`);
    }
    if (result.kind === 'cancelled') {
      outcome = 'cancelled';
      break;
    }
    done += 1;
    // A file not indexed is named as the user knows it; one kept is said where it was kept.
    if (result.kind === 'skipped') skipped.push({ path: listed.path, reason: result.reason });
    else {
      if (photo.path !== listed.path) renamed.push({ name: listed.path, path: photo.path });
      hashes.set(photo.path, result.sha256);
      const { size, lastModified } = photo.file;
      known.set(photo.path, { size, lastModified, sha256: result.sha256 });
      if (result.kind === 'indexed') indexed += 1;
      else reused += 1;
    }
  }
  report(null, true);
  return {
    outcome,
    total: photos.length,
    indexed,
    reused,
    removed: removed.length,
    skipped,
    duplicates: duplicatesOf(hashes),
    renamed,
    seconds: activeSeconds(),
    librarySize: deps.pack().index.size,
    stalePhotos: deps.pack().stale.size,
  };
}
