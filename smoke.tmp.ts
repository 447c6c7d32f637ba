import { createDatabase } from './src/index.js'
import { createBackup } from './src/backup/create-backup.js'
const database = createDatabase({ url: `mysql://root@127.0.0.1:3306/${process.argv[2] ?? 'ktproto_bench'}` })
const t0 = performance.now()
const result = await createBackup(database, { directory: '/tmp/ktb', parallel: Number(process.argv[3] ?? 2), onWarning: (w) => console.log('WARN', w) })
console.log(JSON.stringify({ ...result.manifest, tables: result.manifest.tables.length }), ((performance.now() - t0) / 1000).toFixed(2), 's', (result.rowsPerSecond / 1e6).toFixed(3), 'M rows/s', 'rss', (process.resourceUsage().maxRSS / 1024).toFixed(0))
await database.close()
