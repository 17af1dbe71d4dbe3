/**
 * `npm run search -- <folder> "<query>"`: indexes a folder with the real app in headless
 * Chromium and prints the ranked files with their scores. Same engine and model as the UI: the
 * built app (dist/, built first when missing) is served locally, the folder reaches the page
 * through its folder input, and searches run through the app's window.probeSearch API.
 * Chromium keeps a profile per folder under .cache/search-cli/, so the index (IndexedDB) is
 * kept between runs and unchanged photos are not indexed again.
 *
 *   npm run search -- <folder> "<query>" [more queries…]
 *   npm run search -- <folder> --queries <file>     one query per line
 *   options: --top N (10), --shortlist K (default: the whole library, an exact ranking),
 *            --json, --cache-dir DIR (default .cache/search-cli), --port P (4178)
 * Relative paths are read from the directory npm was started in.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../e2e/chromium.ts';
import type { SearchResponse } from '../src/engine/api.ts';
import { freeRoot } from '../src/storage/folders.ts';
import type { AppState } from '../src/testApi.ts';
import { startStaticServer } from './staticServer.ts';

const REPO = resolve(import.meta.dirname, '..');
const DIST = join(REPO, 'dist');
/** Fixed, so the browser profile's IndexedDB (kept per origin) is found again next run. */
const DEFAULT_PORT = 4178;
const LOAD_TIMEOUT_MS = 300_000;
/** npm runs scripts in the package root; INIT_CWD is where the user typed the command. */
const CWD = process.env.INIT_CWD ?? process.cwd();

const USAGE = `usage: npm run search -- <folder> "<query>" [more queries] [--queries FILE]
                        [--top N] [--shortlist K] [--json] [--cache-dir DIR]`;

export interface CliOptions {
  readonly folder: string;
  readonly queries: string[];
  readonly top: number;
  readonly shortlist: number | undefined;
  readonly json: boolean;
  readonly cacheDir: string;
  readonly port: number;
}

export interface RankedFile {
  /** Path of the file, relative to the current directory. */
  readonly file: string;
  readonly score: number;
  readonly twoTowerScore: number;
  /** Below the pack's no-match threshold. */
  readonly weak: boolean;
}

export interface QueryResult {
  readonly query: string;
  readonly notes: string[];
  readonly shortlist: number;
  readonly ms: number;
  readonly results: RankedFile[];
}

function positiveInteger(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer`);
  return n;
}

export function parseCli(argv: readonly string[]): CliOptions {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      queries: { type: 'string' },
      top: { type: 'string' },
      shortlist: { type: 'string' },
      json: { type: 'boolean', default: false },
      'cache-dir': { type: 'string' },
      port: { type: 'string' },
    },
  });
  const [folder, ...inline] = positionals;
  if (folder === undefined) throw new Error('no folder given');
  const fromFile =
    values.queries === undefined
      ? []
      : readFileSync(resolve(CWD, values.queries), 'utf8')
          .split(/\r?\n/)
          .map((line) => line.trim())
          .filter((line) => line !== '');
  const queries = [...inline, ...fromFile];
  if (queries.length === 0) throw new Error('no query given');
  const root = resolve(CWD, folder);
  if (!existsSync(root) || !statSync(root).isDirectory())
    throw new Error(`${folder} is not a folder`);
  return {
    folder: root,
    queries,
    top: positiveInteger(values.top, '--top') ?? 10,
    shortlist: positiveInteger(values.shortlist, '--shortlist'),
    json: values.json,
    cacheDir: resolve(CWD, values['cache-dir'] ?? join(REPO, '.cache', 'search-cli')),
    port: positiveInteger(values.port, '--port') ?? DEFAULT_PORT,
  };
}

/**
 * Library paths of the folder's files as the app lists an <input webkitdirectory> selection:
 * "<root>/<path inside>", the root being the folder's name unless that is reserved (freeRoot).
 */
function folderPaths(root: string): Map<string, string> {
  const name = freeRoot(basename(root));
  const paths = new Map<string, string>();
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    paths.set([name, ...relative(root, full).split(sep)].join('/'), full);
  }
  return paths;
}

function ensureBuilt(): void {
  if (existsSync(join(DIST, 'index.html')) && existsSync(join(DIST, 'sw.js'))) return;
  process.stderr.write('Building the app (vite build)…\n');
  const build = spawnSync(
    process.execPath,
    [join(REPO, 'node_modules/vite/bin/vite.js'), 'build'],
    {
      cwd: REPO,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  if (build.status !== 0) throw new Error('vite build failed');
}

async function appState(page: Page): Promise<AppState | null> {
  return page.evaluate(() => window.probeSearch?.state() ?? null);
}

async function waitFor(
  page: Page,
  what: string,
  done: (state: AppState) => boolean,
): Promise<AppState> {
  const deadline = Date.now() + LOAD_TIMEOUT_MS;
  for (;;) {
    const state = await appState(page);
    if (state?.pack === 'error') {
      throw new Error(
        `the model did not load: ${state.packError?.name}: ${state.packError?.message}`,
      );
    }
    if (state !== null && done(state)) return state;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await page.waitForTimeout(200);
  }
}

function notesOf(response: SearchResponse): string[] {
  return response.grounding.flatMap((g) =>
    g.kind === 'near'
      ? [`${g.word} ≈ ${g.nearest}`]
      : g.kind === 'weak' || g.kind === 'unknown'
        ? [`${g.word} — not something the model can see`]
        : [],
  );
}

export async function runSearch(options: CliOptions): Promise<QueryResult[]> {
  ensureBuilt();
  // One browser profile (and so one index) per folder: libraries never mix.
  const profile = join(
    options.cacheDir,
    createHash('sha256').update(options.folder).digest('hex').slice(0, 16),
  );
  mkdirSync(profile, { recursive: true });
  const server = await startStaticServer({
    root: DIST,
    isolationHeaders: true,
    port: options.port,
  });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    serviceWorkers: 'block',
    args: [...CHROMIUM_ARGS],
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(server.url);
    const ready = await waitFor(page, 'the model', (s) => s.pack === 'ready');
    const paths = folderPaths(options.folder);
    process.stderr.write(
      `Model ready (${ready.backend ?? 'unknown backend'}). Indexing ${paths.size} files…\n`,
    );
    await page.getByTestId('intake-folder-input').setInputFiles(options.folder);
    const indexed = await waitFor(
      page,
      'indexing',
      (s) => s.indexing !== 'idle' && s.indexing !== 'running',
    );
    if (indexed.indexing === 'error') throw new Error('indexing failed (see the app)');
    const report = await page.getByTestId('intake-report').textContent();
    process.stderr.write(`${report?.trim() ?? 'Indexed.'}\n`);
    const threshold = ready.packInfo?.noMatchThreshold ?? -Infinity;
    const librarySize = indexed.librarySize;
    const results: QueryResult[] = [];
    for (const query of options.queries) {
      // The whole library is re-ranked when K is not given and the library is small; the
      // folder's own files are kept (a profile may remember files since deleted).
      const shortlist = options.shortlist ?? Math.max(librarySize, 1);
      const response = await page.evaluate(
        ([q, k]) => {
          if (window.probeSearch === undefined) throw new Error('the app has no test API');
          return window.probeSearch.search(q, { shortlist: k });
        },
        [query, shortlist] as const,
      );
      const ranked = response.hits
        .flatMap((hit) => {
          const full = paths.get(hit.path);
          return full === undefined
            ? []
            : [
                {
                  file: relative(CWD, full),
                  score: hit.score,
                  twoTowerScore: hit.globalScore,
                  weak: hit.score < threshold,
                },
              ];
        })
        .slice(0, options.top);
      results.push({
        query,
        notes: notesOf(response),
        shortlist: response.shortlist,
        ms: response.timings.totalMs,
        results: ranked,
      });
    }
    return results;
  } finally {
    await context.close();
    await server.close();
  }
}

export function formatText(results: readonly QueryResult[]): string {
  const lines: string[] = [];
  for (const { query, notes, shortlist, ms, results: ranked } of results) {
    lines.push(`"${query}"  (${shortlist} re-ranked, ${ms.toFixed(0)} ms)`);
    for (const note of notes) lines.push(`  note: ${note}`);
    if (ranked.length === 0) lines.push('  no results');
    ranked.forEach((r, i) => {
      const rank = String(i + 1).padStart(3);
      lines.push(`${rank}. ${r.score.toFixed(4)}  ${r.file}${r.weak ? '  (weak match)' : ''}`);
    });
    lines.push('');
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  let options: CliOptions;
  try {
    options = parseCli(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    process.exit(2);
  }
  const results = await runSearch(options);
  process.stdout.write(
    options.json ? `${JSON.stringify(results, null, 2)}\n` : formatText(results),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `search failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  });
}
