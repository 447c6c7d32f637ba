/**
 * What a backup or restore is doing, in {@link Progress.phase}.
 *
 * @example
 * ```ts
 * await restoreBackup(database, { manifest, target, onProgress: (p) => p.phase === 'rows' && bar.update(p.rows) })
 * ```
 */
export const PROGRESS_PHASES = ['snapshot', 'schema', 'rows', 'objects', 'finishing'] as const
/** A phase from {@link PROGRESS_PHASES}. */
export type ProgressPhase = (typeof PROGRESS_PHASES)[number]

/**
 * A progress report of a backup or a restore, sent to `onProgress` after every block (about one a megabyte)
 * and at each phase change.
 */
export interface Progress {
  readonly phase: ProgressPhase
  /** Tables whose rows are complete. */
  readonly tablesDone: number
  readonly tablesTotal: number
  /** Rows read (backup) or written (restore) so far. */
  readonly rows: number
  /** Rows expected in all: exact for a restore, the server's estimate for a backup (`null` when unknown). */
  readonly rowsTotal: number | null
  /** Archive bytes written (backup) or read (restore) so far. */
  readonly bytes: number
  readonly elapsedMs: number
  readonly rowsPerSecond: number
  /** Estimated time left from the row rate, or `null` when there is no estimate. */
  readonly etaMs: number | null
}

/** @internal */
export class ProgressTracker {
  readonly #started = performance.now()
  readonly #listener: ((progress: Progress) => void) | undefined
  phase: ProgressPhase = 'snapshot'
  tablesDone = 0
  tablesTotal = 0
  rows = 0
  rowsTotal: number | null = null
  bytes = 0

  constructor(listener: ((progress: Progress) => void) | undefined) {
    this.#listener = listener
  }

  get elapsedMs(): number {
    return performance.now() - this.#started
  }

  emit(): void {
    if (this.#listener === undefined) return
    const elapsedMs = this.elapsedMs
    const rowsPerSecond = elapsedMs > 0 ? (this.rows * 1000) / elapsedMs : 0
    const etaMs =
      this.rowsTotal !== null && rowsPerSecond > 0 && this.rowsTotal >= this.rows
        ? ((this.rowsTotal - this.rows) / rowsPerSecond) * 1000
        : null
    this.#listener(
      Object.freeze({
        phase: this.phase,
        tablesDone: this.tablesDone,
        tablesTotal: this.tablesTotal,
        rows: this.rows,
        rowsTotal: this.rowsTotal,
        bytes: this.bytes,
        elapsedMs,
        rowsPerSecond,
        etaMs,
      }),
    )
  }
}

/**
 * Formats a progress report as one terminal line, e.g.
 * `rows  3/5 tables  1,204,000/1,500,000 rows  21.4 MB  812,000 rows/s  ETA 0:01`.
 *
 * @example
 * ```ts
 * import { formatProgress } from 'kysely-toolkit/backup'
 *
 * await createBackup(database, { directory: './backups', onProgress: (p) => process.stderr.write(`\r${formatProgress(p)}`) })
 * ```
 */
export function formatProgress(progress: Progress): string {
  const number = new Intl.NumberFormat('en-US')
  const rows =
    progress.rowsTotal === null
      ? `${number.format(progress.rows)} rows`
      : `${number.format(progress.rows)}/${number.format(Math.max(progress.rowsTotal, progress.rows))} rows`
  const eta = progress.etaMs === null ? '' : `  ETA ${formatDuration(progress.etaMs)}`
  return `${progress.phase.padEnd(9)} ${progress.tablesDone}/${progress.tablesTotal} tables  ${rows}  ${(progress.bytes / 1e6).toFixed(1)} MB  ${number.format(Math.round(progress.rowsPerSecond))} rows/s${eta}`
}

function formatDuration(ms: number): string {
  const seconds = Math.ceil(ms / 1000)
  const minutes = Math.floor(seconds / 60)
  return `${minutes}:${String(seconds % 60).padStart(2, '0')}`
}
