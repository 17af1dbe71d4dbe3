import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH, WEBGPU_FLAG, WEBGPU_SPECS } from './e2e/chromium.ts';

const PORT = 4173;
const CI = Boolean(process.env.CI);

export default defineConfig({
  testDir: 'e2e',
  // One browser at a time: the CPU is small and shared, and WASM threads want both cores.
  workers: 1,
  fullyParallel: false,
  retries: CI ? 1 : 0,
  forbidOnly: CI,
  reporter: CI ? 'line' : 'list',
  timeout: 180_000,
  expect: { timeout: 30_000 },
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    trace: 'on-first-retry',
    headless: true,
    // page.route cannot see requests a service worker makes; the offline specs allow it in
    // contexts of their own.
    serviceWorkers: 'block',
  },
  // Two browsers: most specs run where WebGPU is off (the app runs on WASM, as on a machine
  // without a usable GPU); the WebGPU specs run with SwiftShader's WebGPU (slow, but real).
  projects: [
    {
      name: 'cpu',
      testIgnore: WEBGPU_SPECS,
      use: { launchOptions: { executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] } },
    },
    {
      name: 'webgpu',
      testMatch: WEBGPU_SPECS,
      use: {
        launchOptions: { executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, WEBGPU_FLAG] },
      },
    },
  ],
  webServer: {
    // The production build (`vite build` first), served with the COOP/COEP headers. Started
    // through node, not npx, so that stopping it leaves no child process behind.
    command: `node node_modules/vite/bin/vite.js preview --host 127.0.0.1 --port ${PORT} --strictPort`,
    url: `http://127.0.0.1:${PORT}`,
    reuseExistingServer: !CI,
    timeout: 60_000,
  },
});
