import type { BackupManifest } from './manifest.js'

/** What an engine reports for the manifest. @internal */
export interface DumpOutcome {
  readonly serverVersion: string
  readonly consistency: BackupManifest['consistency']
  readonly rows: number | null
  readonly tables: BackupManifest['tables']
  readonly views: string[]
  readonly routines: string[]
  readonly triggers: string[]
  readonly events: string[]
}
