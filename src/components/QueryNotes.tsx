/** What the model makes of the query's words: the ones it reads as another, or cannot see. */
import type { WordGrounding } from '../model/grounding.ts';

function note(g: WordGrounding): string | null {
  switch (g.kind) {
    case 'seen':
      return null;
    case 'near':
      return `${g.word} ≈ ${g.nearest}`;
    case 'weak':
    case 'unknown':
      return `${g.word} — not something the model can see`;
  }
}

export function QueryNotes({ grounding }: { grounding: readonly WordGrounding[] }) {
  const notes = grounding.flatMap((g) => {
    const text = note(g);
    return text === null ? [] : [{ g, text }];
  });
  if (notes.length === 0) return null;
  return (
    <ul className="query-notes" data-testid="search-word-notes" aria-label="How the query is read">
      {notes.map(({ g, text }) => (
        <li
          key={g.word}
          className={g.kind === 'near' ? 'query-note' : 'query-note warning'}
          data-testid="search-word-note"
          data-word={g.word}
          data-kind={g.kind}
          title={
            g.kind === 'near'
              ? `Not in the training captions; read as “${g.nearest}” (similarity ${g.similarity.toFixed(2)})`
              : g.kind === 'weak'
                ? `Far from every word the model was trained on (closest: ${g.nearest ?? 'none'}, ${g.similarity.toFixed(2)}); it knows 80 kinds of objects, not scenes or colours`
                : 'Not in the model’s vocabulary'
          }
        >
          {text}
        </li>
      ))}
    </ul>
  );
}
