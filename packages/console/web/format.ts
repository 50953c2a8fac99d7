/** Small display helpers shared by the pages. */
export const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '—');
export const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
