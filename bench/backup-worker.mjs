// One measured run of the toolkit's backup or restore, from the built package (dist/), in its own process so its
// peak RSS is its own. Prints one line of JSON.
import { createBackup, restoreBackup } from '../dist/backup/index.js'
import { resolveDatabaseOptions } from '../dist/index.js'

const [mode, url, arg1, arg2, parallel] = process.argv.slice(2)
const source = { options: resolveDatabaseOptions({ url }) }
const started = performance.now()
if (mode === 'backup') {
  const result = await createBackup(source, { directory: arg1, parallel: Number(parallel ?? 2) })
  const ms = performance.now() - started
  console.log(
    JSON.stringify({
      ms,
      rows: result.manifest.rows,
      bytes: result.manifest.archive.bytes,
      manifest: result.manifestPath,
      lockMs: result.manifest.consistency.lockMs,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
    }),
  )
} else {
  const result = await restoreBackup(source, {
    manifest: arg1,
    target: arg2,
    parallel: Number(parallel ?? 2),
  })
  const ms = performance.now() - started
  console.log(JSON.stringify({ ms, rows: result.rows, maxRssMb: process.resourceUsage().maxRSS / 1024 }))
}
