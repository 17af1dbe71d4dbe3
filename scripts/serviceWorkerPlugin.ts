/**
 * Vite plugin: after `vite build` has written the app, builds workers/sw.worker.ts into sw.js
 * beside index.html, with the build's app-shell file list and a version (a hash of those
 * files) defined in it. The shell is every built file except model packs, sample photos and
 * the .wasm engine, which the service worker caches on first use instead.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { build, type Plugin, type ResolvedConfig } from 'vite';

const ENTRY = 'workers/sw.worker.ts';
export const SERVICE_WORKER_FILE = 'sw.js';
const NOT_SHELL = [/^models\//, /^samples\//, /\.wasm$/, /\.map$/, /^sw\.js$/];

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'));
}

/** The shell files of a built app folder and a version that changes when any of them does. */
export function appShell(outDir: string): { version: string; files: string[] } {
  const files = listFiles(outDir)
    .filter((file) => !NOT_SHELL.some((pattern) => pattern.test(file)))
    .sort();
  const hash = createHash('sha256');
  for (const file of files)
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(join(outDir, file)));
  return { version: hash.digest('hex').slice(0, 16), files };
}

export function serviceWorker(): Plugin {
  let config: ResolvedConfig;
  return {
    name: 'probe-search-service-worker',
    apply: 'build',
    configResolved(resolved) {
      config = resolved;
    },
    async closeBundle() {
      const outDir = resolve(config.root, config.build.outDir);
      await build({
        configFile: false,
        root: config.root,
        logLevel: 'warn',
        publicDir: false,
        define: { __PROBE_SEARCH_BUILD__: JSON.stringify(appShell(outDir)) },
        build: {
          outDir,
          emptyOutDir: false,
          copyPublicDir: false,
          lib: {
            entry: resolve(config.root, ENTRY),
            formats: ['es'],
            fileName: () => SERVICE_WORKER_FILE,
          },
        },
      });
    },
  };
}
