/**
 * Cost of column encryption, measured in one run:
 * 1. per value: the plugin's encrypt and decrypt (typed payload, XAES-256-GCM subkey, envelope) against bare
 *    createCipheriv/createDecipheriv with a KeyObject (random 12-byte IV from the same kind of pool as the
 *    plugin's, AAD, 16-byte tag; the bare decrypt returns bytes, the plugin the typed value);
 * 2. transformResult on 10,000 canned rows with two encrypted columns, against the same rows without them;
 * 3. reading 10,000 rows with two encrypted columns from the server, against a plain table.
 *
 * Run (from the repository root; `TEST_DATABASE_URL` defaults to mysql://root@127.0.0.1:3306):
 *   node --expose-gc --import jiti/register bench/encryption.ts
 * To measure the build (what users run) instead of the sources:
 *   npm run build && KT_ENCRYPTION_MODULE=./dist/encryption/index.js node --expose-gc bench/encryption.ts
 * KT_BENCH_ROUNDS sets the rounds of the per-value comparison (default 40).
 */
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, randomFillSync } from 'node:crypto'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Kysely, MysqlDialect, sql } from 'kysely'
import { createPool } from 'mysql2'

type Encryption = typeof import('../src/plugin/encryption/index.js')

const modulePath = process.env.KT_ENCRYPTION_MODULE
const encryption: Encryption = modulePath
  ? await import(pathToFileURL(resolve(modulePath)).href)
  : await import('../src/plugin/encryption/index.js')
const { createKeyring, EncryptionPlugin, generateEncryptionKey } = encryption

const VALUE = '123-45-6789-abcdefghijklmnopqrst' // 32 bytes
const ROWS = 10_000

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

/**
 * The mean CPU time of `run()` in microseconds over `iterations` calls, after a warm-up: CPU time (user +
 * system, all threads of the process, so garbage collection counts) rather than wall time, because other
 * processes on a shared machine only ever add wall time.
 */
function measure(run: () => unknown, iterations: number): number {
  // With --expose-gc, start from a clean heap: no case pays for the garbage of the one before.
  ;(globalThis as { gc?: () => void }).gc?.()
  for (let i = 0; i < iterations / 4; i++) run()
  const start = process.cpuUsage()
  for (let i = 0; i < iterations; i++) run()
  const used = process.cpuUsage(start)
  return (used.user + used.system) / iterations
}

/** Medians over `rounds` of the wall time and this process's CPU time of `run()`, in milliseconds. */
async function measureAsync(
  run: () => Promise<unknown>,
  rounds: number,
): Promise<{ wall: number; cpu: number }> {
  await run()
  const wall: number[] = []
  const cpu: number[] = []
  for (let round = 0; round < rounds; round++) {
    ;(globalThis as { gc?: () => void }).gc?.()
    const start = process.hrtime.bigint()
    const startCpu = process.cpuUsage()
    await run()
    const used = process.cpuUsage(startCpu)
    wall.push(Number(process.hrtime.bigint() - start) / 1e6)
    cpu.push((used.user + used.system) / 1000)
  }
  return { wall: median(wall), cpu: median(cpu) }
}

const format = (value: number, unit: string) => `${value.toFixed(2).padStart(8)} ${unit}`

// ---- 1. per value ----------------------------------------------------------------------------------------
const keyring = createKeyring({
  keys: { currentKeyId: 'k1', keys: { k1: generateEncryptionKey() }, blindIndexKey: generateEncryptionKey() },
})
interface DB {
  bench_encrypted: { id: number; a: string; b: string }
  bench_plain: { id: number; a: string; b: string }
}
const plugin = new EncryptionPlugin<DB>({ keyring, tables: { bench_encrypted: { a: true, b: true } } })

const key = createSecretKey(randomBytes(32))
const aad = Buffer.from('bench_encrypted.a')
const plaintext = Buffer.from(VALUE)
// The same IV source as the plugin's: 12 bytes at a time from a 4 KiB pool refilled by randomFillSync
// (randomBytes(12) per value would cost the baseline about 1 µs more than the plugin).
const ivPool = Buffer.allocUnsafe(4096)
let ivPoolOffset = ivPool.length
function nextIv(): Buffer {
  if (ivPoolOffset + 12 > ivPool.length) {
    randomFillSync(ivPool)
    ivPoolOffset = 0
  }
  const iv = Buffer.allocUnsafe(12)
  ivPool.copy(iv, 0, ivPoolOffset, ivPoolOffset + 12)
  ivPoolOffset += 12
  return iv
}
interface BareSealed {
  readonly iv: Buffer
  readonly ciphertext: Buffer
  readonly tag: Buffer
}
/** Bare AES-256-GCM of bytes: the plaintext is a ready Buffer. */
function bareEncrypt(): BareSealed {
  const iv = nextIv()
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 })
  cipher.setAAD(aad)
  const ciphertext = cipher.update(plaintext)
  cipher.final()
  return { iv, ciphertext, tag: cipher.getAuthTag() }
}
/** Bare AES-256-GCM of a string value, as a minimal hand-written string column would do it. */
function bareEncryptString(value: string): BareSealed {
  const iv = nextIv()
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 })
  cipher.setAAD(aad)
  const ciphertext = cipher.update(Buffer.from(value, 'utf8'))
  cipher.final()
  return { iv, ciphertext, tag: cipher.getAuthTag() }
}
function bareDecrypt(sealed: BareSealed): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv, { authTagLength: 16 })
  decipher.setAAD(aad)
  decipher.setAuthTag(sealed.tag)
  const out = decipher.update(sealed.ciphertext)
  decipher.final()
  return out
}
function bareDecryptString(sealed: BareSealed): string {
  return bareDecrypt(sealed).toString('utf8')
}

const bareSealed = bareEncrypt()
// As the driver returns it: a flat string decoded from the packet (encryptValue returns a concatenation,
// which V8 would keep as a rope and read more slowly).
const stored = Buffer.from(plugin.encryptValue('bench_encrypted', 'a', VALUE) ?? '', 'latin1').toString(
  'latin1',
)
if (plugin.decryptValue('bench_encrypted', 'a', stored) !== VALUE) throw new Error('no round trip')
if (bareDecryptString(bareEncryptString(VALUE)) !== VALUE) throw new Error('no bare round trip')

type Variant = 'bytes' | 'string' | 'plugin'
const VARIANTS: readonly Variant[] = ['bytes', 'string', 'plugin']
const operations: Record<'encrypt' | 'decrypt', Record<Variant, () => unknown>> = {
  encrypt: {
    bytes: bareEncrypt,
    string: () => bareEncryptString(VALUE),
    plugin: () => plugin.encryptValue('bench_encrypted', 'a', VALUE),
  },
  decrypt: {
    bytes: () => bareDecrypt(bareSealed),
    string: () => bareDecryptString(bareSealed),
    plugin: () => plugin.decryptValue('bench_encrypted', 'a', stored),
  },
}
const ROUNDS = Number(process.env.KT_BENCH_ROUNDS ?? 40)
const ITERATIONS = 10_000
// The machine may be shared, so conditions drift: each round measures the three variants back to back (in
// rotating order) and yields the plugin's ratio to each bare one; the figures are medians over the rounds.
const costs = {
  encrypt: { bytes: [], string: [], plugin: [] },
  decrypt: { bytes: [], string: [], plugin: [] },
} as Record<'encrypt' | 'decrypt', Record<Variant, number[]>>
for (let round = 0; round < ROUNDS; round++) {
  for (const name of ['encrypt', 'decrypt'] as const) {
    for (let i = 0; i < VARIANTS.length; i++) {
      const variant = VARIANTS[(round + i) % VARIANTS.length]!
      costs[name][variant].push(measure(operations[name][variant], ITERATIONS))
    }
  }
}
/** The median over rounds of the plugin's cost relative to `base`, for the given operations summed. */
function overhead(names: readonly ('encrypt' | 'decrypt')[], base: Variant): string {
  const ratios = Array.from({ length: ROUNDS }, (_, round) => {
    let plugin = 0
    let bare = 0
    for (const name of names) {
      plugin += costs[name].plugin[round] ?? Number.NaN
      bare += costs[name][base][round] ?? Number.NaN
    }
    return plugin / bare
  })
  return `${((median(ratios) - 1) * 100).toFixed(0).padStart(4)}%`
}
const cost = (names: readonly ('encrypt' | 'decrypt')[], variant: Variant) =>
  format(
    names.reduce((sum, name) => sum + median(costs[name][variant]), 0),
    'µs',
  )

console.log(
  `Node ${process.version}, ${VALUE.length}-byte string value: CPU time per value, medians of ${ROUNDS} rounds of ${ITERATIONS}`,
)
console.log(
  'bare: createCipheriv/createDecipheriv with a KeyObject, the same pooled IVs; of bytes (Buffer in, Buffer',
)
console.log(
  'out) and of the string value (Buffer.from in, toString out, as the plugin takes and gives strings)',
)
console.log('\nPer value            bare bytes   bare string      plugin   overhead vs bytes / vs string')
for (const names of [['encrypt'], ['decrypt'], ['encrypt', 'decrypt']] as const) {
  console.log(
    `  ${names.join(' + ').padEnd(17)} ${cost(names, 'bytes')} ${cost(names, 'string')} ${cost(names, 'plugin')}       ${overhead(names, 'bytes')} / ${overhead(names, 'string')}`,
  )
}

// ---- 2. transformResult on canned rows --------------------------------------------------------------------
const dummy = new Kysely<DB>({
  dialect: new MysqlDialect({ pool: createPool({ uri: 'mysql://unused@127.0.0.1:1/none' }) }),
  plugins: [plugin],
})
const cannedRows = Array.from({ length: ROWS }, (_, id) => ({
  id,
  a: plugin.encryptValue('bench_encrypted', 'a', `a-${id}-${VALUE}`),
  b: plugin.encryptValue('bench_encrypted', 'b', `b-${id}-${VALUE}`),
}))
const { queryId } = dummy.selectFrom('bench_encrypted').select(['id', 'a', 'b']).compile()
const transformMs = (
  await measureAsync(() => plugin.transformResult({ queryId, result: { rows: cannedRows } }), 15)
).cpu
const { queryId: plainQueryId } = dummy.selectFrom('bench_plain').select(['id', 'a', 'b']).compile()
const plainMs = (
  await measureAsync(
    () => plugin.transformResult({ queryId: plainQueryId, result: { rows: cannedRows } }),
    15,
  )
).cpu
await dummy.destroy()
console.log(`\ntransformResult, ${ROWS} rows x 2 encrypted columns (no database; CPU time, median of 15)`)
console.log(
  `  decrypting                      ${format(transformMs, 'ms')}  = ${((transformMs * 1000) / (ROWS * 2)).toFixed(2)} µs per value`,
)
console.log(`  table without encrypted columns ${format(plainMs, 'ms')}`)

// ---- 3. reading from the server ---------------------------------------------------------------------------
const serverUrl = process.env.TEST_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306'
const databaseName = `kt_bench_${randomBytes(4).toString('hex')}`
const admin = new Kysely<unknown>({ dialect: new MysqlDialect({ pool: createPool(serverUrl) }) })
try {
  await sql`create database ${sql.id(databaseName)} character set utf8mb4`.execute(admin)
} catch (error) {
  console.log(`\nNo server at ${serverUrl} (${(error as Error).message}): skipping the read benchmark`)
  await admin.destroy()
  process.exit(0)
}
const url = new URL(serverUrl)
url.pathname = `/${databaseName}`
const plainDb = new Kysely<DB>({
  dialect: new MysqlDialect({ pool: createPool({ uri: url.toString(), connectionLimit: 2 }) }),
})
const encryptedDb = plainDb.withPlugin(plugin)
try {
  for (const table of ['bench_encrypted', 'bench_plain']) {
    await sql`create table ${sql.table(table)} (id int primary key, a varchar(200) not null, b varchar(200) not null)`.execute(
      plainDb,
    )
  }
  for (let start = 0; start < ROWS; start += 1000) {
    const ids = Array.from({ length: 1000 }, (_, i) => start + i)
    await encryptedDb
      .insertInto('bench_encrypted')
      .values(ids.map((id) => ({ id, a: `a-${id}-${VALUE}`, b: `b-${id}-${VALUE}` })))
      .execute()
    await plainDb
      .insertInto('bench_plain')
      .values(ids.map((id) => ({ id, a: `a-${id}-${VALUE}`, b: `b-${id}-${VALUE}` })))
      .execute()
  }
  const readEncrypted = () => encryptedDb.selectFrom('bench_encrypted').select(['id', 'a', 'b']).execute()
  const readPlain = () => plainDb.selectFrom('bench_plain').select(['id', 'a', 'b']).execute()
  const check = await readEncrypted()
  if (check[123]?.a !== `a-123-${VALUE}`) throw new Error('the encrypted table did not round-trip')
  const encrypted: { wall: number; cpu: number }[] = []
  const plain: { wall: number; cpu: number }[] = []
  for (let round = 0; round < 5; round++) {
    encrypted.push(await measureAsync(readEncrypted, 3))
    plain.push(await measureAsync(readPlain, 3))
  }
  const envelopeLength = String(
    (await plainDb.selectFrom('bench_encrypted').select('a').executeTakeFirstOrThrow()).a.length,
  )
  console.log(
    `\nReading ${ROWS} rows (id + 2 columns) from ${url.host}, medians of 15 (wall time; this process's CPU time)`,
  )
  const line = (label: string, times: { wall: number; cpu: number }[]) => {
    const wall = median(times.map((time) => time.wall))
    const cpu = median(times.map((time) => time.cpu))
    console.log(`  ${label.padEnd(32)}${format(wall, 'ms')} ${format(cpu, 'ms')} CPU`)
    return { wall, cpu }
  }
  const plainTimes = line('plain table', plain)
  const encryptedTimes = line('2 encrypted columns', encrypted)
  console.log(
    `  difference                      ${format(encryptedTimes.wall - plainTimes.wall, 'ms')} ${format(encryptedTimes.cpu - plainTimes.cpu, 'ms')} CPU = ${(((encryptedTimes.cpu - plainTimes.cpu) * 1000) / (ROWS * 2)).toFixed(2)} µs CPU per value (envelopes of ${envelopeLength} characters)`,
  )
} finally {
  await plainDb.destroy()
  await sql`drop database if exists ${sql.id(databaseName)}`.execute(admin)
  await admin.destroy()
}
