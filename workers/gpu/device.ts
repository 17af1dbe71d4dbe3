/**
 * The one place that obtains a GPUDevice: adapter, feature and limit checks with named errors,
 * optional features only when the adapter has them, and device loss reported once (a deliberate
 * destroy is not a loss). Works in a page and in a worker. The engine may instead adopt a device
 * it already has (onnxruntime-web's: `await ort.env.webgpu.device`), because kernels and ORT
 * must share one device to share buffers.
 */

/** `navigator.gpu` is missing: the browser has no WebGPU, or it is switched off. */
export class WebGpuUnsupportedError extends Error {
  override name = 'WebGpuUnsupportedError';
}

/** WebGPU exists but gave no adapter (blocklisted GPU, headless without a fallback…). */
export class GpuAdapterUnavailableError extends Error {
  override name = 'GpuAdapterUnavailableError';
}

/** The adapter or device cannot do what a kernel needs (a limit too small, a missing feature). */
export class GpuLimitsError extends Error {
  override name = 'GpuLimitsError';
}

/** The limits the kernels may ask for: those with "more is better" semantics. */
export type GpuMaxLimitName =
  | 'maxStorageBufferBindingSize'
  | 'maxBufferSize'
  | 'maxComputeWorkgroupStorageSize'
  | 'maxComputeInvocationsPerWorkgroup'
  | 'maxComputeWorkgroupsPerDimension'
  | 'maxStorageBuffersPerShaderStage';

export type GpuLimitRequirements = Partial<Record<GpuMaxLimitName, number>>;

/**
 * Limits raised to the adapter's maximum when a device is created: a resident probe library
 * wants large storage bindings, attention wants workgroup memory. Asking costs nothing.
 */
const RAISED_LIMITS: readonly GpuMaxLimitName[] = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
];

export interface AcquireGpuOptions {
  /** Adopt this device instead of requesting one (its limits are checked, it is never destroyed here). */
  readonly device?: GPUDevice;
  readonly powerPreference?: GPUPowerPreference;
  /** Minimum limits the caller needs; GpuLimitsError when the adapter/device has less. */
  readonly requiredLimits?: GpuLimitRequirements;
  /** Ask for shader-f16 when the adapter has it (nothing here needs it yet: fp32 everywhere). */
  readonly preferShaderF16?: boolean;
  /** The device was lost (driver reset, GPU removed, destroyed by its other owner): fall back. */
  readonly onLost?: (info: GPUDeviceLostInfo) => void;
  readonly label?: string;
}

/** What the adapter says about itself, for the UI and diagnostics. */
export interface GpuDescription {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  /** A software or otherwise reduced adapter (SwiftShader on machines without a GPU). */
  readonly isFallbackAdapter: boolean;
}

export interface GpuContext {
  readonly device: GPUDevice;
  readonly description: GpuDescription;
  readonly shaderF16: boolean;
  /** true when the device came from options.device (someone else owns it). */
  readonly adopted: boolean;
  /** Ends use of the device: destroys it if it is ours; never reported through onLost. */
  destroy(): void;
}

function describe(info: GPUAdapterInfo): GpuDescription {
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    // Older implementations lack the attribute; absence means a regular adapter.
    isFallbackAdapter: info.isFallbackAdapter ?? false,
  };
}

/** Names each limit that `limits` has below `required`, or [] when all are met. */
export function missingLimits(
  limits: GPUSupportedLimits,
  required: GpuLimitRequirements,
): string[] {
  return Object.entries(required).flatMap(([name, value]) => {
    const have = limits[name as GpuMaxLimitName];
    return value !== undefined && have < value ? [`${name}: need ${value}, have ${have}`] : [];
  });
}

function checkLimits(limits: GPUSupportedLimits, required: GpuLimitRequirements, what: string) {
  const missing = missingLimits(limits, required);
  if (missing.length > 0) {
    throw new GpuLimitsError(`${what} limits are too small: ${missing.join('; ')}`);
  }
}

export async function acquireGpu(options: AcquireGpuOptions = {}): Promise<GpuContext> {
  const required = options.requiredLimits ?? {};
  if (options.device !== undefined) {
    const device = options.device;
    checkLimits(device.limits, required, 'GPU device');
    return watchLoss(device, describe(device.adapterInfo), true, options);
  }
  if (typeof navigator === 'undefined' || navigator.gpu === undefined) {
    throw new WebGpuUnsupportedError('this browser does not offer WebGPU (navigator.gpu)');
  }
  const adapter = await navigator.gpu.requestAdapter(
    options.powerPreference === undefined ? {} : { powerPreference: options.powerPreference },
  );
  if (adapter === null) {
    throw new GpuAdapterUnavailableError('WebGPU is present but no GPU adapter is available');
  }
  checkLimits(adapter.limits, required, 'GPU adapter');
  const requiredLimits: Record<string, number> = {};
  for (const name of RAISED_LIMITS) requiredLimits[name] = adapter.limits[name];
  for (const [name, value] of Object.entries(required)) {
    requiredLimits[name] = Math.max(requiredLimits[name] ?? 0, value);
  }
  const shaderF16 = options.preferShaderF16 === true && adapter.features.has('shader-f16');
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({
      label: options.label ?? 'probe-search',
      requiredFeatures: shaderF16 ? ['shader-f16'] : [],
      requiredLimits,
    });
  } catch (error) {
    throw new GpuAdapterUnavailableError(`the GPU adapter refused a device: ${String(error)}`, {
      cause: error,
    });
  }
  return watchLoss(device, describe(adapter.info), false, options, shaderF16);
}

function watchLoss(
  device: GPUDevice,
  description: GpuDescription,
  adopted: boolean,
  options: AcquireGpuOptions,
  shaderF16 = device.features.has('shader-f16'),
): GpuContext {
  let released = false;
  void device.lost.then((info) => {
    // Our own destroy() resolves `lost` too; only an unexpected end is a loss.
    if (!released) options.onLost?.(info);
  });
  return {
    device,
    description,
    shaderF16,
    adopted,
    destroy() {
      released = true;
      if (!adopted) device.destroy();
    },
  };
}
