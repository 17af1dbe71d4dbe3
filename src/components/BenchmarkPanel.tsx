/**
 * The in-app benchmark: runs the same measurements as `npm run bench` on this device (its GPU
 * included) through the engine, and shows the tables and a latency-against-N chart, so a
 * shared link demonstrates the speed/quality trade-off live. The tab's memory is sampled here
 * (performance.measureUserAgentSpecificMemory needs a cross-origin isolated page, not a
 * worker). Scripts drive it through window.probeSearchBenchmark. The photos a run indexes go
 * to the benchmark's own library: a stopped run (its worker terminated mid-way) leaves it
 * behind, so the panel deletes it then, and when the app starts (after a tab closed mid-run).
 */
import { useCallback, useEffect, useRef, useState, type ChangeEvent } from 'react';
import type {
  BenchmarkProgress,
  BenchmarkReport,
  MemoryReport,
  PhotoFile,
  PhotoSet,
} from '../engine/api.ts';
import type { Engine } from '../engine/useEngine.ts';
import { BENCH_LIBRARY } from '../storage/keys.ts';
import { deleteDatabase } from '../storage/library.ts';
import { PRESETS, type BenchmarkPreset } from '../../workers/bench/presets.ts';
import { fetchSamplePhotos } from '../intake/samples.ts';
import {
  latencySeries,
  reportTables,
  summaryLines,
  targetLines,
} from '../../workers/bench/report.ts';
import { BenchmarkChart } from './BenchmarkChart.tsx';
import type {} from './BenchmarkDriver.ts';

type RunState =
  | { readonly status: 'idle' }
  | { readonly status: 'running'; readonly progress: BenchmarkProgress | null }
  | { readonly status: 'done'; readonly report: BenchmarkReport }
  | { readonly status: 'error'; readonly message: string };

const MEMORY_INTERVAL_MS = 2000;

function deleteBenchLibrary(): void {
  deleteDatabase(BENCH_LIBRARY).catch((error: unknown) =>
    console.warn('benchmark: deleting its library failed', error),
  );
}

async function samplePhotos(): Promise<PhotoSet> {
  return { label: 'bundled samples', photos: await fetchSamplePhotos() };
}

/** Files from a folder input, one set per sub-folder (or the folder itself). */
function photoSets(files: readonly File[]): PhotoSet[] {
  const sets = new Map<string, PhotoFile[]>();
  for (const file of files) {
    if (!/\.(jpe?g|png|webp|avif|gif|bmp)$/i.test(file.name)) continue;
    const parts = (file.webkitRelativePath || file.name).split('/');
    const label = parts.length > 2 ? (parts[1] ?? '') : (parts[0] ?? file.name);
    const path = parts.join('/');
    sets.set(label, [...(sets.get(label) ?? []), { path, file }]);
  }
  return [...sets.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([label, photos]) => ({ label, photos }));
}

interface MeasureMemory {
  measureUserAgentSpecificMemory?: () => Promise<{ bytes: number }>;
}

/** Samples the tab's memory until stopped; null when the browser cannot measure it. */
function sampleMemory(): () => MemoryReport | null {
  const measure = (performance as MeasureMemory).measureUserAgentSpecificMemory;
  if (measure === undefined || !globalThis.crossOriginIsolated) return () => null;
  let peak = 0;
  let samples = 0;
  let stopped = false;
  const loop = async () => {
    while (!stopped) {
      try {
        const { bytes } = await measure.call(performance);
        peak = Math.max(peak, bytes);
        samples += 1;
      } catch {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, MEMORY_INTERVAL_MS));
    }
  };
  void loop();
  return () => {
    stopped = true;
    return samples === 0
      ? null
      : {
          peakBytes: peak,
          samples,
          source: 'measureUserAgentSpecificMemory, whole tab, sampled when the browser answered',
        };
  };
}

export function BenchmarkPanel({ engine, enabled }: { engine: Engine; enabled: boolean }) {
  const [preset, setPreset] = useState<BenchmarkPreset>('quick');
  const [state, setState] = useState<RunState>({ status: 'idle' });
  const [folders, setFolders] = useState<PhotoSet[]>([]);
  const foldersRef = useRef<PhotoSet[]>([]);
  const controller = useRef<AbortController | null>(null);
  const { runBenchmark } = engine;

  const run = useCallback(
    async (chosen: BenchmarkPreset): Promise<BenchmarkReport> => {
      controller.current?.abort();
      const abort = new AbortController();
      controller.current = abort;
      setState({ status: 'running', progress: null });
      const stopMemory = sampleMemory();
      try {
        const sets = [await samplePhotos(), ...foldersRef.current];
        const result = await runBenchmark(
          { ...PRESETS[chosen], photoSets: sets },
          (progress) => setState({ status: 'running', progress }),
          abort.signal,
        );
        const report = { result, memory: stopMemory() };
        setState({ status: 'done', report });
        return report;
      } catch (error) {
        stopMemory();
        if (abort.signal.aborted) deleteBenchLibrary();
        const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        setState({ status: 'error', message });
        throw error;
      }
    },
    [runBenchmark],
  );

  useEffect(() => {
    window.probeSearchBenchmark = { run };
  }, [run]);
  useEffect(() => {
    deleteBenchLibrary();
    return () => controller.current?.abort();
  }, []);

  const chooseFolder = (event: ChangeEvent<HTMLInputElement>) => {
    const sets = photoSets([...(event.target.files ?? [])]);
    foldersRef.current = sets;
    setFolders(sets);
  };

  const running = state.status === 'running';
  return (
    <section className="panel bench" aria-labelledby="bench-title" data-testid="bench-panel">
      <h2 id="bench-title">Benchmark</h2>
      <p className="muted">
        Two-tower vs Cross-Probe BERT vs a full cross-encoder, measured on this device: query
        latency on synthetic libraries of N photos, stage-2 speed on each backend, indexing speed
        and the probe cache size. Nothing is uploaded; photos it indexes are kept apart from yours
        and deleted again.
      </p>
      <div className="button-row">
        <label>
          Size{' '}
          <select
            value={preset}
            onChange={(e) => setPreset(e.target.value as BenchmarkPreset)}
            disabled={running}
            data-testid="bench-preset"
          >
            <option value="quick">quick (about a minute)</option>
            <option value="full">full (N up to 100,000; many minutes)</option>
          </select>
        </label>
        <label className="button">
          Add photo folders…
          <input
            type="file"
            className="visually-hidden"
            ref={(input) => input?.setAttribute('webkitdirectory', '')}
            multiple
            onChange={chooseFolder}
            disabled={running}
            data-testid="bench-photos-input"
          />
        </label>
        <button
          type="button"
          onClick={() => void run(preset).catch(() => undefined)}
          disabled={!enabled || running}
          data-testid="bench-run"
        >
          {running ? 'Running…' : 'Run benchmark'}
        </button>
        {running && (
          <button
            type="button"
            onClick={() => controller.current?.abort()}
            data-testid="bench-stop"
          >
            Stop
          </button>
        )}
      </div>
      {folders.length > 0 && (
        <p className="muted" data-testid="bench-folders">
          Indexing also timed on:{' '}
          {folders.map((set) => `${set.label} (${set.photos.length})`).join(', ')}
        </p>
      )}
      {state.status === 'running' && (
        <div data-testid="bench-progress">
          <progress
            max={state.progress?.total ?? 1}
            value={state.progress?.done ?? 0}
            aria-label="Benchmark progress"
          />
          <p className="muted">{state.progress?.step ?? 'starting…'}</p>
        </div>
      )}
      {state.status === 'error' && (
        <p className="error" role="alert" data-testid="bench-error">
          {state.message}
        </p>
      )}
      {state.status === 'done' && <BenchmarkResultView report={state.report} />}
    </section>
  );
}

function BenchmarkResultView({ report }: { report: BenchmarkReport }) {
  return (
    <div data-testid="bench-report">
      <dl className="bench-summary">
        {summaryLines(report).map((line) => (
          <div key={line.label}>
            <dt>{line.label}</dt>
            <dd data-testid={line.label === 'Backend' ? 'bench-backend' : undefined}>
              {line.value}
            </dd>
          </div>
        ))}
      </dl>
      <BenchmarkChart series={latencySeries(report.result)} />
      {reportTables(report.result).map((table) => (
        <div key={table.title} className="bench-table-wrap">
          <table className="bench-table" data-testid="bench-table">
            <caption>{table.title}</caption>
            <thead>
              <tr>
                {table.header.map((h) => (
                  <th key={h} scope="col">
                    {h}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {table.rows.map((row, r) => (
                <tr key={r}>
                  {row.map((cell, c) =>
                    c === 0 ? (
                      <th key={c} scope="row">
                        {cell}
                      </th>
                    ) : (
                      <td key={c}>{cell}</td>
                    ),
                  )}
                </tr>
              ))}
            </tbody>
          </table>
          {table.notes.map((note) => (
            <p key={note} className="muted bench-note">
              {note}
            </p>
          ))}
        </div>
      ))}
      <h3>Targets</h3>
      <ul className="bench-targets" data-testid="bench-targets">
        {targetLines(report.result).map((line) => (
          <li key={line.label}>
            {line.label}: <strong>{line.value}</strong>
          </li>
        ))}
      </ul>
    </div>
  );
}
