import {
  type BackupSchedule,
  type BackupSource,
  createBackup,
  listBackups,
  pruneBackups,
  restoreBackup,
  scheduleBackups,
  verifyBackup,
} from 'kysely-toolkit/backup'

/** Takes a backup, restores it under another name, verifies it and prunes old backups. */
export async function backupRestoreVerify(database: BackupSource, directory: string, copyName: string) {
  // #region create
  const backup = await createBackup(database, {
    directory, // <database>-<UTC time>.ktb.gz and .ktb.json, both mode 0600
    parallel: 2, // connections reading rows on one consistent snapshot
    onWarning: (message) => console.warn(message), // e.g. MyISAM tables outside the snapshot
  })
  console.log(
    `${backup.manifest.rows} rows, ${backup.manifest.archive.bytes} bytes, sha256 ${backup.manifest.archive.sha256}`,
  )
  // #endregion create

  // #region restore
  // Checks the archive against its manifest first; loads into a temporary database; moves it into place at the end.
  const restored = await restoreBackup(database, {
    manifest: backup.manifestPath,
    target: copyName, // must not exist; pass replace: true to replace an existing database
  })
  // #endregion restore

  // #region verify
  // Restores into a throw-away database and compares CHECKSUM TABLE and row counts with the source.
  const report = await verifyBackup(database, { manifest: backup.manifestPath })
  if (!report.ok)
    throw new Error(`backup differs: ${JSON.stringify(report.tables.filter((table) => !table.match))}`)
  // #endregion verify

  // #region retention
  const { deleted } = await pruneBackups(directory, { keepLast: 7, keepDays: 30 }) // the newest good one always stays
  const backups = await listBackups(directory) // newest first, each 'ok' or 'damaged'
  // #endregion retention
  return { backup, restored, report, deleted, backups }
}

/** Backs up every night at 03:00 inside the app, keeping a week of backups. */
export async function nightlyBackups(database: BackupSource, directory: string): Promise<BackupSchedule> {
  // #region schedule
  const schedule = await scheduleBackups(database, {
    cron: '0 3 * * *', // croner syntax; a run never overlaps the previous one
    timezone: 'UTC',
    backup: { directory },
    retention: { keepLast: 7 },
    onError: (error) => console.error('nightly backup failed', error),
  })
  // schedule.stop() on shutdown
  // #endregion schedule
  return schedule
}
