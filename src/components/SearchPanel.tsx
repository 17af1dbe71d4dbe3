import { useEffect, useState } from 'react';
import type { SearchResponse } from '../engine/api.ts';
import type { Engine, ErrorInfo } from '../engine/useEngine.ts';
import { baseName, objectSummary } from './format.ts';

/** Typing pauses shorter than this do not start a search. */
const DEBOUNCE_MS = 200;

type Outcome =
  | { readonly kind: 'results'; readonly response: SearchResponse; readonly urls: string[] }
  | { readonly kind: 'error'; readonly query: string; readonly error: ErrorInfo };

interface ResultsProps {
  outcome: Outcome;
  threshold: number;
  labels: readonly string[];
}

function Results({ outcome, threshold, labels }: ResultsProps) {
  if (outcome.kind === 'error') {
    return (
      <p className="error" role="alert" data-testid="search-error">
        Search failed ({outcome.error.name}): {outcome.error.message}
      </p>
    );
  }
  const { response, urls } = outcome;
  const { hits, timings, librarySize, unknownWords } = response;
  return (
    <>
      <p className="muted" data-testid="search-status">
        {hits.length} of {librarySize} photos · {timings.totalMs.toFixed(0)} ms (text{' '}
        {timings.textMs.toFixed(0)}, shortlist {timings.shortlistMs.toFixed(0)}, cross-probe{' '}
        {timings.crossProbeMs.toFixed(0)})
      </p>
      {unknownWords.length > 0 && (
        <p className="warning" data-testid="search-unknown-words">
          Not understood: {unknownWords.join(', ')}
        </p>
      )}
      <ol className="results" data-testid="search-results">
        {hits.map((hit, i) => (
          <li
            key={hit.path}
            className={hit.score < threshold ? 'result weak' : 'result'}
            title={hit.score < threshold ? 'Probably not a good match' : undefined}
            data-testid="search-result"
            data-path={hit.path}
          >
            {urls[i] ? <img src={urls[i]} alt={hit.path} /> : <div className="no-thumbnail" />}
            <span className="result-name" title={hit.path}>
              {baseName(hit.path)}
            </span>
            <span className="result-score" data-testid="search-result-score">
              {hit.score.toFixed(3)}
            </span>
            <span className="result-objects muted" data-testid="search-result-objects">
              {objectSummary(hit.detections, labels) || 'no objects found'}
            </span>
          </li>
        ))}
      </ol>
    </>
  );
}

export function SearchPanel({ engine, enabled }: { engine: Engine; enabled: boolean }) {
  const [query, setQuery] = useState('');
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const { search, librarySize } = engine;
  const active = enabled && query.trim() !== '';

  useEffect(() => {
    if (!active) return;
    let current = true;
    const timer = setTimeout(() => {
      search(query)
        .then((response) => {
          const urls = response.hits.map((h) =>
            h.thumbnail ? URL.createObjectURL(h.thumbnail) : '',
          );
          if (current) setOutcome({ kind: 'results', response, urls });
          else urls.forEach((url) => url && URL.revokeObjectURL(url));
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
    // librarySize: a finished indexing run re-runs the current query.
  }, [active, query, search, librarySize]);

  // Thumbnail URLs live as long as the results that show them.
  useEffect(
    () => () => {
      if (outcome?.kind === 'results')
        outcome.urls.forEach((url) => url && URL.revokeObjectURL(url));
    },
    [outcome],
  );

  const pack = engine.pack.status === 'ready' ? engine.pack.pack : null;
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
      {active && outcome !== null && (
        <Results
          outcome={outcome}
          threshold={pack?.noMatchThreshold ?? -Infinity}
          labels={pack?.labels ?? []}
        />
      )}
    </section>
  );
}
