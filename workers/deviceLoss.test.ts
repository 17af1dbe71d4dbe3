import { describe, expect, it } from 'vitest';
import { retryAfterDeviceLoss } from './deviceLoss.ts';
import { createSerial } from './serial.ts';

/** A GPU device as far as the retry sees it: `lost` resolves when `lose()` is called. */
function device() {
  let lose: () => void = () => undefined;
  const lost = new Promise<GPUDeviceLostInfo>((resolve) => {
    lose = () => resolve({ reason: 'unknown', message: 'test loss' } as GPUDeviceLostInfo);
  });
  return { gpu: { lost } as GPUDevice, lose };
}

/**
 * The engine's side of a device loss: its current device, watched from the start as
 * gpu/device.ts does; a loss queues the switch to WASM on the chain (engine.ts).
 */
function engine() {
  const serial = createSerial();
  const gpu = device();
  const state = { device: gpu.gpu as GPUDevice | null, fellBack: false };
  void gpu.gpu.lost.then(() =>
    serial(async () => {
      state.device = null;
      state.fellBack = true;
    }),
  );
  return {
    serial,
    state,
    currentDevice: () => state.device,
    loseDevice: gpu.lose,
  };
}

const GRACE_MS = 50;

/** A step that always fails with `message`: how often it ran, and how long until it failed. */
async function alwaysFailing(e: ReturnType<typeof engine>, message: string, graceMs: number) {
  let runs = 0;
  const started = performance.now();
  const failure = retryAfterDeviceLoss(
    e.serial,
    async () => {
      runs += 1;
      throw new Error(message);
    },
    e.currentDevice,
    graceMs,
  );
  await expect(failure).rejects.toThrow(message);
  return { runs, ms: performance.now() - started };
}

describe('retryAfterDeviceLoss', () => {
  it('runs a step that the device loss failed once more, after the fall-back', async () => {
    const e = engine();
    const runs: string[] = [];
    const result = await retryAfterDeviceLoss(
      e.serial,
      async () => {
        runs.push(e.state.fellBack ? 'wasm' : 'gpu');
        if (!e.state.fellBack) {
          e.loseDevice();
          throw new DOMException('mapAsync: device lost', 'OperationError');
        }
        return 'hits';
      },
      e.currentDevice,
      GRACE_MS,
    );
    expect(result).toBe('hits');
    expect(runs).toEqual(['gpu', 'wasm']);
  });

  it('waits for the loss to be reported when the GPU call fails first', async () => {
    const e = engine();
    let runs = 0;
    const result = await retryAfterDeviceLoss(
      e.serial,
      async () => {
        runs += 1;
        if (runs === 1) {
          setTimeout(() => e.loseDevice(), GRACE_MS / 5);
          throw new Error('GPU call failed');
        }
        return runs;
      },
      e.currentDevice,
      GRACE_MS,
    );
    expect(result).toBe(2);
    expect(e.state.fellBack).toBe(true);
  });

  it('passes on a failure while the device stays, after the grace period', async () => {
    const { runs, ms } = await alwaysFailing(engine(), 'a bug, not a loss', GRACE_MS);
    expect(runs).toBe(1);
    expect(ms).toBeGreaterThanOrEqual(GRACE_MS - 5);
  });

  it('passes on a failure on WASM at once', async () => {
    const e = engine();
    e.state.device = null;
    const { runs, ms } = await alwaysFailing(e, 'failed on the CPU', 10_000);
    expect(runs).toBe(1);
    expect(ms).toBeLessThan(1000);
  });

  it('retries only once: a second failure is the caller’s', async () => {
    const e = engine();
    let runs = 0;
    const failure = retryAfterDeviceLoss(
      e.serial,
      async () => {
        runs += 1;
        if (runs === 1) e.loseDevice();
        throw new Error(`failure ${runs}`);
      },
      e.currentDevice,
      GRACE_MS,
    );
    await expect(failure).rejects.toThrow('failure 2');
    expect(runs).toBe(2);
  });
});
