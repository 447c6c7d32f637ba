/**
 * Backup and restore figures, side by side with mariadb-dump and the mariadb client on the same data.
 *
 *   npx jiti bench/backup.ts [--rows 1200000] [--runs 2] [--parallel 2] [--server mysql://root@127.0.0.1:3306] [--keep]
 *
 * Generates a database of `--rows` rows in three tables (INSERT ... SELECT from MariaDB's seq_1_to_N tables),
 * then measures, `--runs` times each (alternating, best run reported):
 *   backup:  mariadb-dump --single-transaction | gzip -1   vs   createBackup (builtin engine)
 *   restore: zcat dump.sql.gz | mariadb                     vs   restoreBackup
 * and prints rows per second, the ratio toolkit / reference and peak RSS of each side (the toolkit runs the built
 * package, `npm run build` first, in a child node process). Not part of the test suite.
 */
import { execFileSync, spawn } from 'node:child_process'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createConnection } from 'mysql2/promise'

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1200000' },
    runs: { type: 'string', default: '2' },
    parallel: { type: 'string', default: '2' },
    server: { type: 'string', default: process.env.BENCH_SERVER_URL ?? 'mysql://root@127.0.0.1:3306' },
    keep: { type: 'boolean', default: false },
  },
})
const ROWS = Number(values.rows)
const RUNS = Number(values.runs)
const PARALLEL = values.parallel!
const serverUrl = new URL(values.server!)
const SOURCE = 'ktbench_source'
const TIME = '/usr/bin/time'
const WORKER = fileURLToPath(new URL('./backup-worker.mjs', import.meta.url))
const ROOT = fileURLToPath(new URL('..', import.meta.url))
// The toolkit side runs the built package with plain node, as users run it.
execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] })

const admin = await createConnection({ uri: serverUrl.toString(), multipleStatements: false })
const sql = (statement: string) => admin.query(statement)

async function generate(): Promise<void> {
  const customers = Math.round(ROWS / 12)
  const orders = Math.round((ROWS * 4) / 12)
  const events = ROWS - customers - orders
  const started = performance.now()
  await sql(`DROP DATABASE IF EXISTS ${SOURCE}`)
  await sql(`CREATE DATABASE ${SOURCE} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
  await sql(`CREATE TABLE ${SOURCE}.customers (
    id INT UNSIGNED PRIMARY KEY AUTO_INCREMENT, email VARCHAR(255) NOT NULL UNIQUE, name VARCHAR(100) NOT NULL,
    status ENUM('active','inactive','suspended') NOT NULL, created_at DATETIME(3) NOT NULL) ENGINE=InnoDB`)
  await sql(`CREATE TABLE ${SOURCE}.orders (
    id BIGINT UNSIGNED PRIMARY KEY AUTO_INCREMENT, customer_id INT UNSIGNED NOT NULL, total DECIMAL(12,2) NOT NULL,
    status ENUM('pending','completed','cancelled') NOT NULL, note VARCHAR(200) NULL, created_at DATETIME(3) NOT NULL,
    KEY (customer_id, created_at), CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id)) ENGINE=InnoDB`)
  await sql(`CREATE TABLE ${SOURCE}.events (
    id BIGINT UNSIGNED PRIMARY KEY AUTO_INCREMENT, order_id BIGINT UNSIGNED NOT NULL, kind VARCHAR(20) NOT NULL,
    payload TEXT NULL, checksum BINARY(16) NOT NULL, at TIMESTAMP(6) NOT NULL, KEY (order_id)) ENGINE=InnoDB`)
  await sql(`USE ${SOURCE}`)
  await sql(`INSERT INTO ${SOURCE}.customers SELECT seq, CONCAT('customer', seq, '@example.com'),
    CONCAT('Customer ', seq, ' Ünïcødé'), ELT(1 + seq % 3, 'active', 'inactive', 'suspended'),
    '2024-01-01' + INTERVAL seq SECOND FROM seq_1_to_${customers}`)
  await sql(`INSERT INTO ${SOURCE}.orders SELECT seq, 1 + seq % ${customers}, (seq % 100000) / 100,
    ELT(1 + seq % 3, 'pending', 'completed', 'cancelled'), IF(seq % 4 = 0, NULL, CONCAT('note "', seq, '" it''s')),
    '2024-01-01' + INTERVAL seq SECOND FROM seq_1_to_${orders}`)
  await sql(`INSERT INTO ${SOURCE}.events SELECT seq, 1 + seq % ${orders}, ELT(1 + seq % 4, 'created', 'paid', 'shipped', 'done'),
    IF(seq % 3 = 0, NULL, CONCAT('{"n":', seq, ',"tags":["a","b"],"text":"line\\\\nbreak"}')), UNHEX(MD5(seq)),
    '2024-01-01' + INTERVAL seq SECOND FROM seq_1_to_${events}`)
  await sql(`ANALYZE TABLE ${SOURCE}.customers, ${SOURCE}.orders, ${SOURCE}.events`)
  console.log(
    `generated ${ROWS.toLocaleString('en-US')} rows in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  )
}

interface Run {
  readonly ms: number
  readonly maxRssMb: number
  readonly extra?: Record<string, unknown>
}

/** Runs a shell pipeline whose commands are each wrapped in /usr/bin/time, returning wall time and the largest RSS. */
async function shell(script: string, rssFiles: string[]): Promise<Run> {
  const started = performance.now()
  execFileSync('bash', ['-o', 'pipefail', '-c', script], { stdio: ['ignore', 'ignore', 'inherit'] })
  const ms = performance.now() - started
  let maxRssMb = 0
  for (const file of rssFiles) {
    const text = execFileSync('cat', [file]).toString().trim().split('\n').pop() ?? '0'
    maxRssMb = Math.max(maxRssMb, Number(text) / 1024)
  }
  return { ms, maxRssMb }
}

function worker(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
    })
    child.on('error', reject)
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`worker ${args[0]} exited with ${code}`))
      const parsed = JSON.parse(out.trim().split('\n').pop()!)
      resolve({ ms: parsed.ms, maxRssMb: parsed.maxRssMb, extra: parsed })
    })
  })
}

const hasTime = await stat(TIME).then(
  () => true,
  () => false,
)
const timed = (file: string, command: string) => (hasTime ? `${TIME} -f %M -o ${file} ${command}` : command)
const user = decodeURIComponent(serverUrl.username) || 'root'
const client = `-h${serverUrl.hostname} -P${serverUrl.port || 3306} -u${user}`
if (serverUrl.password) throw new Error('use a passwordless bench user (a password on argv would show in ps)')

const work = await mkdtemp(join(tmpdir(), 'ktbench-'))
try {
  await generate()
  const results: Record<string, Run[]> = { dump: [], ours: [], client: [], restore: [] }
  let manifest = ''
  const dumpFile = join(work, 'dump.sql.gz')
  for (let run = 0; run < RUNS; run++) {
    results.dump!.push(
      await shell(
        `${timed(join(work, 'rss-dump'), `mariadb-dump ${client} --single-transaction ${SOURCE}`)} | ${timed(join(work, 'rss-gzip'), 'gzip -1')} > ${dumpFile}`,
        hasTime ? [join(work, 'rss-dump'), join(work, 'rss-gzip')] : [],
      ),
    )
    const sourceUrl = new URL(serverUrl)
    sourceUrl.pathname = `/${SOURCE}`
    const ours = await worker(['backup', sourceUrl.toString(), join(work, `ours-${run}`), '', PARALLEL])
    results.ours!.push(ours)
    manifest = String(ours.extra?.manifest)
  }
  for (let run = 0; run < RUNS; run++) {
    await sql('DROP DATABASE IF EXISTS ktbench_client')
    await sql('CREATE DATABASE ktbench_client CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci')
    results.client!.push(
      await shell(
        `zcat ${dumpFile} | ${timed(join(work, 'rss-client'), `mariadb ${client} ktbench_client`)}`,
        hasTime ? [join(work, 'rss-client')] : [],
      ),
    )
    await sql('DROP DATABASE IF EXISTS ktbench_ours')
    results.restore!.push(await worker(['restore', serverUrl.toString(), manifest, 'ktbench_ours', PARALLEL]))
  }
  const sums = async (database: string) => {
    const [rows] = (await admin.query(
      `CHECKSUM TABLE ${database}.customers, ${database}.orders, ${database}.events`,
    )) as unknown as [{ Checksum: number }[]]
    return rows.map((row) => row.Checksum).join(',')
  }
  const exact = (await sums('ktbench_ours')) === (await sums(SOURCE))

  const best = (runs: Run[]) => runs.reduce((a, b) => (a.ms <= b.ms ? a : b))
  const rate = (run: Run) => (ROWS / run.ms) * 1000
  const line = (name: string, run: Run, all: Run[]) =>
    `  ${name.padEnd(44)} ${(rate(run) / 1e6).toFixed(3).padStart(6)} M rows/s  ${(run.ms / 1000).toFixed(2).padStart(6)} s  peak RSS ${run.maxRssMb.toFixed(0).padStart(4)} MB   (runs: ${all.map((r) => (r.ms / 1000).toFixed(2)).join(', ')} s)`
  const dump = best(results.dump!)
  const ours = best(results.ours!)
  const clientRun = best(results.client!)
  const restore = best(results.restore!)
  console.log(
    `\n${ROWS.toLocaleString('en-US')} rows, ${RUNS} run(s) each, best shown; toolkit parallel=${PARALLEL}`,
  )
  console.log('backup')
  console.log(line('mariadb-dump --single-transaction | gzip -1', dump, results.dump!))
  console.log(line('kysely-toolkit createBackup', ours, results.ours!))
  console.log(
    `  ratio toolkit / mariadb-dump: ${(rate(ours) / rate(dump)).toFixed(2)}  (goal >= 1.00)  archive ${((ours.extra?.bytes as number) / 1e6).toFixed(1)} MB vs dump.gz ${((await stat(dumpFile)).size / 1e6).toFixed(1)} MB; lock held ${Number(ours.extra?.lockMs ?? 0).toFixed(1)} ms`,
  )
  console.log('restore')
  console.log(line('zcat dump.sql.gz | mariadb', clientRun, results.client!))
  console.log(line('kysely-toolkit restoreBackup', restore, results.restore!))
  console.log(
    `  ratio toolkit / mariadb client: ${(rate(restore) / rate(clientRun)).toFixed(2)}  (goal >= 0.80)`,
  )
  console.log(
    `peak RSS goal < 256 MB: backup ${ours.maxRssMb.toFixed(0)} MB, restore ${restore.maxRssMb.toFixed(0)} MB; restored copy CHECKSUM TABLE equal to the source: ${exact}`,
  )
} finally {
  if (!values.keep) {
    for (const database of [SOURCE, 'ktbench_client', 'ktbench_ours'])
      await sql(`DROP DATABASE IF EXISTS ${database}`)
  }
  await admin.end()
  await rm(work, { recursive: true, force: true })
}
