/**
 * A step of the engine (a search, one photo's indexing) running on WebGPU at the moment its
 * GPU device is lost fails; the engine then falls back to WASM (backend.ts) with its index
 * intact. This runs such a step once more on the fall-back, so that the loss costs the user
 * nothing but time. Only for device loss, and only once: no retry loops.
 */
import type { Serial } from './serial.ts';

/**
 * How long a failed step waits to hear that its GPU device was lost: a GPU call can fail
 * before `device.lost` resolves. Other failures on WebGPU are reported this much later.
 */
export const DEVICE_LOSS_GRACE_MS = 1000;

/** true once `device` is lost, false if it is still not after `ms`. */
function lostWithin(device: GPUDevice, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void device.lost.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Runs `task` on the serial chain. If it fails and the GPU device it ran on (`device()` as it
 * starts; null on WASM) turns out lost, it runs `task` once more, on the chain again: behind
 * the engine's switch to WASM, which the engine queued when the loss was reported (its
 * `device.lost` handler was registered first, so it ran before this one resumes). Any other
 * failure, or a second one, is the caller's.
 */
export async function retryAfterDeviceLoss<T>(
  serial: Serial,
  task: () => Promise<T>,
  device: () => GPUDevice | null,
  graceMs = DEVICE_LOSS_GRACE_MS,
): Promise<T> {
  const attempt: { device: GPUDevice | null } = { device: null };
  try {
    return await serial(() => {
      attempt.device = device();
      return task();
    });
  } catch (error) {
    if (attempt.device === null || !(await lostWithin(attempt.device, graceMs))) throw error;
    return serial(task);
  }
}
