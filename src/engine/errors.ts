/**
 * Errors that cross the worker boundary. Comlink sends an Error's name, message and stack, so
 * the UI tells failures apart by `err.name` (one of ENGINE_ERROR_NAMES), never by message text.
 */

export const ENGINE_ERROR_NAMES = [
  /** A pack file (models/index.json, manifest.json or a model file) could not be fetched. */
  'PackMissingError',
  /** A pack file arrived but is not what the manifest promises, or ORT cannot read it. */
  'PackCorruptError',
  /** The manifest is a format or version this app does not understand. */
  'PackUnsupportedError',
  /** An operation needs a loaded pack and none is loaded. */
  'PackNotLoadedError',
  /** IndexedDB refused a write because the origin's storage quota is used up. */
  'StorageFullError',
  /** The engine worker itself failed (its script did not load, or it crashed). */
  'EngineCrashError',
] as const;

export type EngineErrorName = (typeof ENGINE_ERROR_NAMES)[number];

export class EngineError extends Error {
  override readonly name: EngineErrorName;

  constructor(name: EngineErrorName, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = name;
  }
}

/** The engine error name carried by `error` (also after a trip through Comlink), if any. */
export function engineErrorName(error: unknown): EngineErrorName | undefined {
  if (!(error instanceof Error)) return undefined;
  return ENGINE_ERROR_NAMES.find((name) => name === error.name);
}

/** Whether `error` is the rejection of a call cancelled through its AbortSignal. */
export function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}
