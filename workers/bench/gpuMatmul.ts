/**
 * The matmul yardstick on WebGPU: a square float32 product with a textbook tiled WGSL kernel
 * (matmul.wgsl), timed from submit to the queue's completion. `multiply` returns the product
 * so a test can check it; `time` runs it without reading back.
 */
import source from './matmul.wgsl?raw';

/** The kernel's tile: n must be a multiple of it. */
export const MATMUL_TILE = 64;

export interface GpuMatmul {
  /** One product, waiting for the GPU to finish; milliseconds from submit to completion. */
  time(): Promise<number>;
  /** c = a · b, read back (for correctness checks). */
  multiply(a: Float32Array<ArrayBuffer>, b: Float32Array<ArrayBuffer>): Promise<Float32Array>;
  dispose(): void;
}

export function createGpuMatmul(device: GPUDevice, n: number): GpuMatmul {
  if (n <= 0 || n % MATMUL_TILE !== 0) throw new RangeError(`n = ${n} is not a multiple of 64`);
  const bytes = n * n * 4;
  const storage = (label: string, extra: number) =>
    device.createBuffer({ label, size: bytes, usage: GPUBufferUsage.STORAGE | extra });
  const a = storage('bench matmul a', GPUBufferUsage.COPY_DST);
  const b = storage('bench matmul b', GPUBufferUsage.COPY_DST);
  const c = storage('bench matmul c', GPUBufferUsage.COPY_SRC);
  const params = device.createBuffer({
    label: 'bench matmul params',
    size: 16,
    usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
  });
  device.queue.writeBuffer(params, 0, Uint32Array.of(n, 0, 0, 0));
  const module = device.createShaderModule({ label: 'bench matmul', code: source });
  const pipeline = device.createComputePipeline({
    label: 'bench matmul',
    layout: 'auto',
    compute: { module, entryPoint: 'main' },
  });
  const bindGroup = device.createBindGroup({
    label: 'bench matmul',
    layout: pipeline.getBindGroupLayout(0),
    entries: [params, a, b, c].map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
  const groups = n / MATMUL_TILE;

  function submit(): void {
    const encoder = device.createCommandEncoder({ label: 'bench matmul' });
    const pass = encoder.beginComputePass({ label: 'bench matmul' });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(groups, groups);
    pass.end();
    device.queue.submit([encoder.finish()]);
  }

  return {
    async time() {
      const started = performance.now();
      submit();
      await device.queue.onSubmittedWorkDone();
      return performance.now() - started;
    },
    async multiply(left, right) {
      if (left.length !== n * n || right.length !== n * n) throw new RangeError('not n × n');
      device.queue.writeBuffer(a, 0, left);
      device.queue.writeBuffer(b, 0, right);
      submit();
      const read = device.createBuffer({
        label: 'bench matmul read',
        size: bytes,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      });
      const encoder = device.createCommandEncoder();
      encoder.copyBufferToBuffer(c, 0, read, 0, bytes);
      device.queue.submit([encoder.finish()]);
      await read.mapAsync(GPUMapMode.READ);
      const out = new Float32Array(read.getMappedRange().slice(0));
      read.destroy();
      return out;
    },
    dispose() {
      for (const buffer of [a, b, c, params]) buffer.destroy();
    },
  };
}
