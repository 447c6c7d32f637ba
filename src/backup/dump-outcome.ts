import type { BackupEngine, BackupManifest } from './manifest.js'

/** What an engine reports for the manifest. @internal */
export interface DumpOutcome {
  /** The engine that ran (for `engine: 'dump'`, the program it picked). */
  readonly engine: BackupEngine
  readonly serverVersion: string
  readonly consistency: BackupManifest['consistency']
  readonly rows: number | null
  readonly tables: BackupManifest['tables']
  readonly views: string[]
  readonly routines: string[]
  readonly triggers: string[]
  readonly events: string[]
}
