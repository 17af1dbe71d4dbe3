import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { serviceWorker } from './scripts/serviceWorkerPlugin.ts';

// Cross-origin isolation (SharedArrayBuffer) is what lets onnxruntime-web run WASM threads.
const crossOriginIsolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  // Relative asset URLs: the build works from any sub-path of a static host.
  base: './',
  // serviceWorker: sw.js (offline app shell, cached models, COOP/COEP on static hosts).
  plugins: [react(), serviceWorker()],
  worker: { format: 'es' },
  server: { headers: crossOriginIsolation },
  preview: { headers: crossOriginIsolation },
  // Pre-bundling would move ORT away from its .wasm files; the worker sets wasmPaths anyway.
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  // Two pages: the app, and the GPU self-test / diagnostics page.
  build: { rolldownOptions: { input: { main: 'index.html', gpuCheck: 'gpu-check.html' } } },
});
