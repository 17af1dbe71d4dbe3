/**
 * How the e2e tests launch Chromium here (notes/browser.md): the system browser (Playwright
 * cannot download its own), and the flags that work. WebGPU only with --enable-unsafe-webgpu:
 * without it the browser offers no adapter, as most browsers without a usable GPU do.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Launch flags of a browser without WebGPU. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export const WEBGPU_FLAG = '--enable-unsafe-webgpu';

/** The specs that need WebGPU (run in the 'webgpu' project; every other spec in 'cpu'). */
export const WEBGPU_SPECS = /(backend|gpu-kernels|bench)\.spec\.ts$/;
