/** How long notes may run in the runs list before they are cut (all of them are in the tooltip). */
const LIST_NOTES = 80;

/**
 * A run's name and notes as the person gave them in the wizard (the run folder's meta.json): in the
 * runs list the notes are cut to a line, with all of them on hover; the dashboard shows them whole.
 */
export function RunNameNotes({ name, notes, full }: { name?: string; notes?: string; full?: boolean }) {
  const shown = !notes || full || notes.length <= LIST_NOTES ? notes : `${notes.slice(0, LIST_NOTES - 1)}…`;
  return (
    <div aria-label="run name and notes" title={full ? undefined : notes}>
      {name && <strong aria-label="run name">{name}</strong>}
      {shown && (
        <div
          aria-label="run notes"
          style={{ fontSize: 12, opacity: 0.75, whiteSpace: full ? 'pre-wrap' : undefined }}
        >
          {shown}
        </div>
      )}
    </div>
  );
}
