import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Cross-origin isolation (SharedArrayBuffer) is what lets onnxruntime-web run WASM threads.
const crossOriginIsolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  // Relative asset URLs: the build works from any sub-path of a static host.
  base: './',
  plugins: [react()],
  worker: { format: 'es' },
  server: { headers: crossOriginIsolation },
  preview: { headers: crossOriginIsolation },
  // Pre-bundling would move ORT away from its .wasm files; the worker sets wasmPaths anyway.
  optimizeDeps: { exclude: ['onnxruntime-web'] },
});
