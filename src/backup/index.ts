export { ArchiveCorruptError } from '../error/archive-corrupt-error.js'
export { BACKUP_STAGES, BackupFailedError, type BackupStage } from '../error/backup-failed-error.js'
export { CrossDatabaseStatementError } from '../error/cross-database-statement-error.js'
export { RestoreFailedError } from '../error/restore-failed-error.js'
export { RestoreTargetExistsError } from '../error/restore-target-exists-error.js'
export { type BackupFiles, checkArchive } from './archive-reader.js'
export {
  BACKUP_ENGINE_CHOICES,
  type BackupEngineChoice,
  type BackupOptions,
  type BackupResult,
  type BackupSource,
  createBackup,
  SNAPSHOT_MODES,
  type SnapshotMode,
} from './create-backup.js'
export {
  BACKUP_STATUSES,
  type BackupEntry,
  type BackupStatus,
  type ListBackupsOptions,
  listBackups,
} from './list-backups.js'
export {
  BACKUP_ENGINES,
  BACKUP_FILE_PATTERN,
  type BackupEngine,
  type BackupManifest,
  type BackupManifestTable,
  CONSISTENCY_MODES,
  type ConsistencyMode,
  readManifest,
} from './manifest.js'
export { formatProgress, PROGRESS_PHASES, type Progress, type ProgressPhase } from './progress.js'
export { type PruneResult, pruneBackups, type RetentionOptions } from './prune-backups.js'
export { type RestoreOptions, type RestoreResult, restoreBackup } from './restore-backup.js'
export { type BackupSchedule, type ScheduleBackupsOptions, scheduleBackups } from './schedule-backups.js'
export { type VerifiedTable, type VerifyOptions, type VerifyReport, verifyBackup } from './verify-backup.js'
