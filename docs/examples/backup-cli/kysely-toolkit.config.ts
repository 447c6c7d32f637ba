// The backup defaults of docs/backup.md; docs/examples/backup.test.ts runs the backup commands with them.
// #region config
// kysely-toolkit.config.ts
import { defineConfig } from 'kysely-toolkit'

export default defineConfig({
  backup: { directory: './backups', parallel: 2, retention: { keepLast: 7, keepDays: 30 } },
})
// #endregion config
