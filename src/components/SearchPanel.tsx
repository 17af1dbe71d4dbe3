import { useEffect, useMemo, useState } from 'react';
import type { SearchHit, SearchResponse } from '../engine/api.ts';
import type { Engine, ErrorInfo } from '../engine/useEngine.ts';
import { queryFromUrl, urlWithQuery } from '../urlQuery.ts';
import { PhotoView } from './PhotoView.tsx';
import { QueryNotes } from './QueryNotes.tsx';
import { ResultGrid, type ResultSection } from './ResultGrid.tsx';

/** Typing pauses shorter than this do not start a search. */
const DEBOUNCE_MS = 200;

type Outcome =
  | { readonly kind: 'results'; readonly response: SearchResponse }
  | { readonly kind: 'error'; readonly query: string; readonly error: ErrorInfo };

type SortOrder = 'relevance' | 'date';

/** Newest first; photos without a date last, in relevance order. */
function byDate(hits: readonly SearchHit[]): SearchHit[] {
  return [...hits].sort((a, b) => (b.date ?? -Infinity) - (a.date ?? -Infinity));
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

interface ResultsProps {
  response: SearchResponse;
  threshold: number;
  sort: SortOrder;
  engine: Engine;
  labels: readonly string[];
  stage2Label: string;
  thumbnailGeneration: string;
}

function Results({
  response,
  threshold,
  sort,
  engine,
  labels,
  stage2Label,
  thumbnailGeneration,
}: ResultsProps) {
  const [open, setOpen] = useState<SearchHit | null>(null);
  const { hits, timings, librarySize, shortlist } = response;
  const sections = useMemo(() => {
    const order = sort === 'date' ? byDate : (h: readonly SearchHit[]) => h;
    const good = order(hits.filter((h) => h.score >= threshold));
    const weak = order(hits.filter((h) => h.score < threshold));
    const list: ResultSection[] = [];
    if (good.length > 0) {
      list.push({
        key: 'good',
        title: plural(good.length, 'good match', 'good matches'),
        hits: good,
        weak: false,
      });
    }
    if (weak.length > 0) {
      list.push({
        key: 'weak',
        title: `Weak matches (${weak.length}): below the model’s match threshold`,
        hits: weak,
        weak: true,
      });
    }
    return list;
  }, [hits, threshold, sort]);
  const goodCount = sections.find((s) => s.key === 'good')?.hits.length ?? 0;

  return (
    <>
      <QueryNotes grounding={response.grounding} />
      <p className="muted search-status" data-testid="search-status">
        {shortlist} of {plural(librarySize, 'photo', 'photos')} re-ranked by {stage2Label} ·{' '}
        {timings.totalMs.toFixed(0)} ms (text {timings.textMs.toFixed(0)}, shortlist{' '}
        {timings.shortlistMs.toFixed(0)}, cross-probe {timings.crossProbeMs.toFixed(0)})
      </p>
      {hits.length > 0 && goodCount === 0 && (
        <p className="warning no-match" data-testid="search-no-match">
          No good match for “{response.query}”. The closest photos are below, but the model does not
          think they show it.
        </p>
      )}
      {hits.length > 0 && (
        <ResultGrid
          sections={sections}
          labels={labels}
          fetchThumbnails={engine.thumbnails}
          thumbnailGeneration={thumbnailGeneration}
          onOpen={setOpen}
        />
      )}
      {open !== null && (
        <PhotoView
          hit={open}
          query={response.query}
          labels={labels}
          threshold={threshold}
          loadPhoto={engine.photo}
          explainMatch={engine.explainMatch}
          onClose={() => setOpen(null)}
        />
      )}
    </>
  );
}

/** The shortlist K typed in the box, or undefined for the default. */
function parseShortlist(text: string): number | undefined {
  const k = Number.parseInt(text, 10);
  return Number.isFinite(k) && k >= 1 ? k : undefined;
}

export function SearchPanel({ engine, enabled }: { engine: Engine; enabled: boolean }) {
  const [query, setQuery] = useState(() => queryFromUrl(window.location.href));
  const [shortlistText, setShortlistText] = useState('');
  const [sort, setSort] = useState<SortOrder>('relevance');
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const { search, librarySize, indexing } = engine;
  const active = enabled && query.trim() !== '';
  const shortlist = parseShortlist(shortlistText);
  // Changes when an indexing run ends: results and thumbnails may have changed.
  const generation = `${librarySize}:${indexing.status === 'done' ? indexing.report.seconds : ''}`;

  useEffect(() => {
    window.history.replaceState(
      window.history.state,
      '',
      urlWithQuery(window.location.href, query),
    );
  }, [query]);

  useEffect(() => {
    if (!active) return;
    let current = true;
    const timer = setTimeout(() => {
      search(query, shortlist === undefined ? {} : { shortlist })
        .then((response) => {
          if (current) setOutcome({ kind: 'results', response });
        })
        .catch((error: unknown) => {
          if (!current) return;
          const info = error instanceof Error ? error : new Error(String(error));
          setOutcome({ kind: 'error', query, error: { name: info.name, message: info.message } });
        });
    }, DEBOUNCE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [active, query, search, shortlist, generation]);

  const pack = engine.pack.status === 'ready' ? engine.pack.pack : null;
  const defaultK = pack?.crossProbe.defaultShortlist;
  return (
    <section className="panel search" aria-labelledby="search-title">
      <h2 id="search-title">Search</h2>
      <input
        type="search"
        className="search-input"
        data-testid="search-input"
        placeholder={enabled ? 'Try “a cat on a sofa” or “two people, no cars”' : 'Loading…'}
        value={query}
        disabled={!enabled}
        onChange={(event) => setQuery(event.currentTarget.value)}
        aria-label="Search query"
      />
      <div className="search-options">
        <label>
          Re-rank top{' '}
          <input
            type="number"
            min={1}
            step={50}
            className="shortlist-input"
            data-testid="search-k"
            value={shortlistText}
            placeholder={defaultK === undefined ? '' : String(defaultK)}
            onChange={(event) => setShortlistText(event.currentTarget.value)}
            aria-describedby="search-k-help"
          />
        </label>
        <span id="search-k-help" className="muted" data-testid="search-k-default">
          {pack === null
            ? ''
            : `default ${pack.crossProbe.defaultShortlist} here (${pack.crossProbe.label}, ${(
                pack.crossProbe.msPerCandidate * 1000
              ).toFixed(0)} µs per photo)`}
        </span>
        <label>
          Sort by{' '}
          <select
            value={sort}
            data-testid="search-sort"
            onChange={(event) =>
              setSort(event.currentTarget.value === 'date' ? 'date' : 'relevance')
            }
          >
            <option value="relevance">relevance</option>
            <option value="date">date (newest first)</option>
          </select>
        </label>
      </div>
      {active && outcome?.kind === 'error' && (
        <p className="error" role="alert" data-testid="search-error">
          Search failed ({outcome.error.name}): {outcome.error.message}
        </p>
      )}
      {active && outcome?.kind === 'results' && (
        <Results
          response={outcome.response}
          threshold={pack?.noMatchThreshold ?? -Infinity}
          sort={sort}
          engine={engine}
          labels={pack?.labels ?? []}
          stage2Label={pack?.crossProbe.label ?? 'cross-probe'}
          thumbnailGeneration={generation}
        />
      )}
    </section>
  );
}
