/**
 * `npm run instructions`: the client's own cost per call as a count of machine instructions (valgrind's callgrind),
 * against the real server. Unlike throughput or CPU time, an instruction count does not move with the load of
 * other work on the machine, so it can tell apart differences of 1% that timings here cannot.
 *
 * Each client and workload runs in its own worker process under callgrind (see instructions-worker.ts): after a
 * warm-up (which lets V8 optimise the hot code), the counters are reset, the measured calls are made 16 in flight,
 * and the counters are dumped. Every thread of the process counts: the JavaScript, mysql2's protocol code, V8's
 * compiler and garbage collector, and the system-call wrappers; not the kernel and not the server.
 *
 * What it measures is the client's work, not throughput: where the client is what limits throughput, throughput
 * falls by at most the share of extra instructions; where the server takes part of the CPU, by less.
 *
 *   npm run instructions -- --suite repository [--scenarios findById,findMany,create,orders] [--calls ...]
 *     the repository against the same statements in bare Kysely on one createDatabase pool (repository-worker.ts)
 *   npm run instructions -- [--clients kysely,toolkit-db,toolkit] [--workloads find-by-id,transfer]
 *                           [--calls 1000] [--warmup 3000] [--windows 3] [--repeat 2] [--log-level info]
 *
 * V8 keeps optimising long after a timed warm-up would end (callgrind slows everything but the counters), so the
 * warm-up is long and the calls are measured in several windows: the figure is the mean of the windows after the
 * first, and the printed windows show whether they had settled.
 *
 * Needs valgrind (with callgrind_control) and a server at BENCH_DATABASE_URL (default mysql://root@127.0.0.1:3306).
 * A worker under callgrind runs about 50 times slower than natively: the defaults take about 15 minutes on 2 cores.
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { openBenchDatabase } from './bench-database.ts'
import { CLIENT_IDS, type ClientId } from './client.ts'
import { median } from './harness.ts'
import type { InstructionsJob } from './instructions-worker.ts'
import { ensureToolkitBuilt } from './prepare.ts'
import { SHORT_LABELS } from './report.ts'
import { WORKLOAD_IDS } from './workloads.ts'

const CONCURRENCY = 16
const POOL_SIZE = 10
const HERE = dirname(fileURLToPath(import.meta.url))
const WORKER = join(HERE, 'instructions-worker.ts')
const REPOSITORY_WORKER = join(HERE, 'repository-worker.ts')
const REPOSITORY_SCENARIOS = ['findById', 'findMany', 'create', 'orders'] as const
/** Each client is compared with those of these that come before it here (all of them for the others). */
const BASELINES: readonly ClientId[] = ['kysely', 'toolkit-db']

const log = (line: string): void => {
  process.stderr.write(`${line}\n`)
}

function parseOptions() {
  const { values } = parseArgs({
    options: {
      suite: { type: 'string', default: 'clients' },
      scenarios: { type: 'string', default: REPOSITORY_SCENARIOS.join(',') },
      clients: { type: 'string', default: 'kysely,toolkit-db,toolkit' },
      workloads: { type: 'string', default: 'find-by-id,list-page,users-with-orders,insert,transfer' },
      calls: { type: 'string', default: '1000' },
      warmup: { type: 'string', default: '3000' },
      windows: { type: 'string', default: '3' },
      repeat: { type: 'string', default: '2' },
      'log-level': { type: 'string', default: 'info' },
    },
    strict: true,
  })
  const pick = <T extends string>(name: string, text: string, all: readonly T[]): T[] => {
    const chosen = text.split(',').map((part) => part.trim())
    const unknown = chosen.filter((part) => !all.includes(part as T))
    if (unknown.length > 0)
      throw new Error(`--${name}: unknown ${unknown.join(', ')} (known: ${all.join(', ')})`)
    return chosen as T[]
  }
  const count = (name: string, text: string): number => {
    const value = Number(text)
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive whole number`)
    return value
  }
  if (values.suite !== 'clients' && values.suite !== 'repository')
    throw new Error(`--suite must be clients or repository (got ${values.suite})`)
  return {
    suite: values.suite,
    scenarios: pick('scenarios', values.scenarios, REPOSITORY_SCENARIOS),
    clients: pick('clients', values.clients, CLIENT_IDS),
    workloads: pick('workloads', values.workloads, WORKLOAD_IDS),
    calls: count('calls', values.calls),
    warmup: count('warmup', values.warmup),
    windows: count('windows', values.windows),
    repeat: count('repeat', values.repeat),
    logLevel: values['log-level'],
  }
}

/** The `totals:` line of a callgrind dump. */
function totalOf(file: string): number {
  const line = readFileSync(file, 'utf8')
    .split('\n')
    .find((text) => text.startsWith('totals:') || text.startsWith('summary:'))
  if (line === undefined) throw new Error(`no totals in ${file}`)
  return Number(line.split(/\s+/)[1])
}

/** What the repository worker (repository-worker.ts) is asked: one scenario, the repository or bare Kysely. */
export interface RepositoryJob {
  readonly scenario: string
  readonly variant: 'repository' | 'bare'
  readonly url: string
  readonly tag: string
  readonly warmupCalls: number
  readonly calls: number
  readonly windows: number
  readonly concurrency: number
}

/**
 * The figure of one run: the mean over the measured windows after the first (the first still carries V8's late
 * optimisation); a single window moves by ±10% with the garbage collections that fall in it.
 */
function settled(windows: readonly number[], calls: number): number {
  const later = windows.length > 1 ? windows.slice(1) : windows
  return later.reduce((sum, window) => sum + window, 0) / later.length / calls
}

/** Runs one job under callgrind in `workerFile`; returns the instructions of each measured window. */
async function measure(
  workerFile: string,
  label: string,
  job: InstructionsJob | RepositoryJob,
  folder: string,
): Promise<number[]> {
  const output = join(folder, `${label.replace(/[^\w.-]/g, '_')}.${Date.now()}`)
  const worker = spawn(
    'valgrind',
    ['--tool=callgrind', `--callgrind-out-file=${output}`, process.execPath, workerFile],
    {
      env: { ...process.env, BENCH_INSTRUCTIONS_JOB: JSON.stringify(job) },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  )
  let stderr = ''
  worker.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const exited = new Promise<number | null>((resolve) => worker.on('exit', resolve))
  const lines = createInterface({ input: worker.stdout })[Symbol.asyncIterator]()
  const control = (dump: string) => {
    const result = spawnSync('callgrind_control', ['--dump', dump, String(worker.pid)], { encoding: 'utf8' })
    if (result.status !== 0) throw new Error(`callgrind_control failed: ${result.stderr || result.stdout}`)
  }
  for (const expected of ['warm', ...Array.from({ length: job.windows }, () => 'measured')]) {
    const { value, done } = await lines.next()
    if (done || value !== expected) {
      worker.kill()
      throw new Error(`worker ${label} stopped before '${expected}':\n${stderr.slice(-2_000)}`)
    }
    control(expected)
    worker.stdin.write('go\n')
  }
  const code = await exited
  if (code !== 0) throw new Error(`worker ${label} exited with ${code}:\n${stderr.slice(-2_000)}`)
  // Dumps are numbered in order: .1 is everything up to the warm-up's end, then one per measured window.
  return Array.from({ length: job.windows }, (_, window) => totalOf(`${output}.${window + 2}`))
}

/** The repository against bare Kysely on the same pool, per scenario (see repository-worker.ts). */
async function repositorySuite(
  options: ReturnType<typeof parseOptions>,
  url: string,
  runTag: string,
  folder: string,
): Promise<void> {
  const lines: string[] = []
  let job = 0
  for (const scenario of options.scenarios) {
    const runs = { bare: [] as number[], repository: [] as number[] }
    for (let round = 0; round < options.repeat; round++) {
      const order = round % 2 === 0 ? (['bare', 'repository'] as const) : (['repository', 'bare'] as const)
      for (const variant of order) {
        const started = performance.now()
        const windows = await measure(
          REPOSITORY_WORKER,
          `${scenario}/${variant}`,
          {
            scenario,
            variant,
            url,
            tag: `${runTag}-${++job}`,
            warmupCalls: options.warmup,
            calls: options.calls,
            windows: options.windows,
            concurrency: CONCURRENCY,
          },
          folder,
        )
        runs[variant].push(settled(windows, options.calls))
        log(
          `${scenario} ${variant}: ${windows.map((window) => (window / options.calls / 1_000).toFixed(1)).join(' → ')} k instructions/call per window (${((performance.now() - started) / 1_000).toFixed(0)} s)`,
        )
      }
    }
    const bare = median(runs.bare)
    const repository = median(runs.repository)
    lines.push(
      `  ${scenario.padEnd(10)} repository ${(repository / 1_000).toFixed(1).padStart(7)} k  bare Kysely ${(bare / 1_000).toFixed(1).padStart(7)} k  ${(repository / bare).toFixed(3)} ×`,
    )
  }
  console.log(
    `\nrepository against bare Kysely on the same createDatabase pool, client instructions per call (callgrind; median over ${options.repeat} runs of the mean of windows 2-${options.windows} of ${options.calls} calls, after ${options.warmup} warm-up calls, ${CONCURRENCY} in flight):`,
  )
  for (const line of lines) console.log(line)
}

async function main(): Promise<void> {
  const options = parseOptions()
  for (const tool of ['valgrind', 'callgrind_control']) {
    if (spawnSync('which', [tool]).status !== 0)
      throw new Error(`${tool} is not installed (apt-get install valgrind)`)
  }
  ensureToolkitBuilt(log)
  const database = await openBenchDatabase({ poolSize: POOL_SIZE, logLevel: options.logLevel, log })
  const folder = mkdtempSync(join(tmpdir(), 'kt-instructions-'))
  try {
    if (options.suite === 'repository') {
      await repositorySuite(options, database.context.url, database.inputs.runTag, folder)
      return
    }
    const perCall = new Map<string, number[]>()
    let job = 0
    for (const workload of options.workloads) {
      for (let round = 0; round < options.repeat; round++) {
        // Rotated so that no client always runs first.
        const order = options.clients.map(
          (_, index) => options.clients[(index + round) % options.clients.length]!,
        )
        for (const client of order) {
          const started = performance.now()
          const windows = await measure(
            WORKER,
            `${client}/${workload}`,
            {
              client,
              workload,
              warmupCalls: options.warmup,
              calls: options.calls,
              windows: options.windows,
              concurrency: CONCURRENCY,
              context: database.context,
              inputs: { ...database.inputs, runTag: `${database.inputs.runTag}-${++job}` },
            },
            folder,
          )
          const key = `${workload}|${client}`
          const last = settled(windows, options.calls)
          perCall.set(key, [...(perCall.get(key) ?? []), last])
          log(
            `${workload} ${client}: ${windows.map((window) => (window / options.calls / 1_000).toFixed(1)).join(' → ')} k instructions/call per window (${((performance.now() - started) / 1_000).toFixed(0)} s)`,
          )
        }
      }
    }
    console.log(
      `\nclient instructions per call (callgrind, all threads of the client process; median over ${options.repeat} runs of the mean of windows 2-${options.windows} of ${options.calls} calls, after ${options.warmup} warm-up calls, ${CONCURRENCY} in flight), ${database.serverVersion ?? 'server'}:`,
    )
    for (const workload of options.workloads) {
      console.log(`\n${workload}`)
      for (const client of options.clients) {
        const runs = perCall.get(`${workload}|${client}`) ?? []
        const value = median(runs)
        // Each client against the baselines listed before it (Kysely, then the toolkit's pool without repositories).
        const position = BASELINES.indexOf(client)
        const versus = (position === -1 ? BASELINES : BASELINES.slice(0, position))
          .filter((baseline) => perCall.has(`${workload}|${baseline}`))
          .map(
            (baseline) =>
              `${(value / median(perCall.get(`${workload}|${baseline}`)!)).toFixed(3)} × ${SHORT_LABELS[baseline]}`,
          )
          .join(', ')
        console.log(
          `  ${SHORT_LABELS[client].padEnd(24)} ${(value / 1_000).toFixed(1).padStart(8)} k  (runs: ${runs.map((run) => (run / 1_000).toFixed(1)).join(', ')})${versus === '' ? '' : `  ${versus}`}`,
        )
      }
    }
  } finally {
    rmSync(folder, { recursive: true, force: true })
    await database.destroy()
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
