import type { IndexReport } from '../engine/api.ts';

/** Long lists start folded; short ones open, so a failure is seen without a click. */
const OPEN_LIST_MAX = 20;

function Outcome({ report }: { report: IndexReport }) {
  switch (report.outcome) {
    case 'complete':
      return null;
    case 'cancelled':
      return (
        <p data-testid="intake-cancelled">
          Indexing cancelled. The {report.librarySize} photos indexed so far are kept and
          searchable; index the folder again to continue where it stopped.
        </p>
      );
    case 'storage-full':
      return (
        <p className="error" role="alert" data-testid="intake-storage-full">
          Storage full: this browser has no room left for the index. The {report.librarySize} photos
          indexed so far are kept and searchable. Free some disk space (or clear other sites&apos;
          data), then index the folder again to continue.
        </p>
      );
  }
}

/** How an indexing run ended: counts, files that failed and why, duplicates, renamed files. */
export function IndexingReport({ report }: { report: IndexReport }) {
  const { total, indexed, reused, removed, skipped, duplicates, renamed, seconds } = report;
  const rate = indexed > 0 && seconds > 0 ? ` (${(indexed / seconds).toFixed(1)}/s)` : '';
  return (
    <div className="indexing-report">
      <Outcome report={report} />
      <p data-testid="intake-report">
        {total} files: {indexed} indexed in {seconds.toFixed(1)} s{rate}, {reused} already indexed,{' '}
        {skipped.length} skipped
        {removed > 0 && <>, {removed} removed (no longer in the folder)</>}.
      </p>
      {skipped.length > 0 && (
        <details open={skipped.length <= OPEN_LIST_MAX}>
          <summary>Files not indexed ({skipped.length})</summary>
          <ul data-testid="intake-skipped">
            {skipped.map((s) => (
              <li key={s.path} data-testid="intake-skipped-file">
                <code>{s.path}</code>: {s.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
      {duplicates.length > 0 && (
        <details open={duplicates.length <= OPEN_LIST_MAX}>
          <summary>Duplicate files ({duplicates.length})</summary>
          <ul data-testid="intake-duplicates">
            {duplicates.map((d) => (
              <li key={d.path}>
                <code>{d.path}</code> is the same file as <code>{d.sameAs}</code>
              </li>
            ))}
          </ul>
        </details>
      )}
      {renamed.length > 0 && (
        <details open={renamed.length <= OPEN_LIST_MAX}>
          <summary>Kept under a new name ({renamed.length})</summary>
          <p>
            A different photo of the same name is already in the library; neither replaces the
            other.
          </p>
          <ul data-testid="intake-renamed">
            {/* One drop can hold two copies of a file: both find the same numbered name. */}
            {renamed.map((r, i) => (
              <li key={`${i}:${r.path}`}>
                <code>{r.name}</code> is kept as <code>{r.path}</code>
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
