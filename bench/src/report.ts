import type { ClientId } from './client.ts'
import { median, type RoundResult, spread } from './harness.ts'
import type { WorkloadId } from './workloads.ts'

export const CLIENT_LABELS: Readonly<Record<ClientId, string>> = {
  mysql2: 'raw mysql2 (execute)',
  kysely: 'bare Kysely',
  toolkit: 'kysely-toolkit',
  'toolkit-plugins': 'kysely-toolkit + log/metrics/encryption',
  'toolkit-db': 'kysely-toolkit createDatabase + Kysely (no repositories)',
  'toolkit-logging': 'kysely-toolkit + query logger',
  'toolkit-metrics': 'kysely-toolkit + query metrics',
  'toolkit-encryption': 'kysely-toolkit + encryption',
  'toolkit-observed': 'kysely-toolkit createDatabase + query logger + metrics (no repositories)',
  'toolkit-db-bare-transaction': 'kysely-toolkit createDatabase, Kysely’s bare db.transaction() (no helper)',
  drizzle: 'Drizzle ORM',
  sequelize: 'Sequelize 6',
  typeorm: 'TypeORM',
  prisma: 'Prisma 7',
}

export const SHORT_LABELS: Readonly<Record<ClientId, string>> = {
  mysql2: 'mysql2',
  kysely: 'Kysely',
  toolkit: 'toolkit',
  'toolkit-plugins': 'toolkit+plugins',
  'toolkit-db': 'toolkit db only',
  'toolkit-logging': 'toolkit+logger',
  'toolkit-metrics': 'toolkit+metrics',
  'toolkit-encryption': 'toolkit+encryption',
  'toolkit-observed': 'toolkit db+log+metrics',
  'toolkit-db-bare-transaction': 'toolkit db, bare trx',
  drizzle: 'Drizzle',
  sequelize: 'Sequelize',
  typeorm: 'TypeORM',
  prisma: 'Prisma',
}

const PEERS: readonly ClientId[] = ['drizzle', 'sequelize', 'typeorm', 'prisma']

/** The outcome of one client on one workload. */
export interface Cell {
  readonly client: ClientId
  readonly workload: WorkloadId
  /** `unavailable`: the client does not run this workload here (the reason says why). */
  readonly status: 'ok' | 'unavailable'
  readonly reason?: string
  /** One round per run, in run order. */
  readonly rounds: RoundResult[]
  /** Statements sent per call (mysql2 query/execute, or the mariadb driver's QUERY/EXECUTE for Prisma). */
  statementsPerCall?: number
  /** PREPARE commands per call, where the driver prepares anew (Prisma's mariadb adapter). */
  preparesPerCall?: number
}

export interface Summary {
  readonly client: ClientId
  readonly workload: WorkloadId
  readonly available: boolean
  readonly reason: string | undefined
  readonly medianOps: number
  readonly spread: number
  /** Median over runs of this process's CPU time per call, in microseconds. */
  readonly cpuMicros: number
  /** Median over runs of this client's ops/s over raw mysql2's in the same run. */
  readonly vsMysql2: number
  /** The same, over bare Kysely's. */
  readonly vsKysely: number
  /** Median over runs of raw mysql2's CPU per call over this client's: 1 is as light as mysql2, 0.5 twice the CPU. */
  readonly cpuVsMysql2: number
  /** The same against bare Kysely's CPU per call. */
  readonly cpuVsKysely: number
  readonly errors: number
  readonly calls: number
  readonly firstError: unknown
  readonly statementsPerCall: number | undefined
  readonly preparesPerCall: number | undefined
}

function pairedRatio(
  cell: Cell,
  base: Cell | undefined,
  ratio: (own: RoundResult, base: RoundResult) => number = (own, other) =>
    own.opsPerSecond / other.opsPerSecond,
): number {
  if (base === undefined || base.status !== 'ok' || cell.status !== 'ok') return Number.NaN
  const ratios: number[] = []
  for (let run = 0; run < Math.min(cell.rounds.length, base.rounds.length); run++) {
    const value = ratio(cell.rounds[run]!, base.rounds[run]!)
    if (Number.isFinite(value)) ratios.push(value)
  }
  return median(ratios)
}

const cpuRatio = (own: RoundResult, base: RoundResult): number => base.cpuMicrosPerCall / own.cpuMicrosPerCall

export function summarize(cells: readonly Cell[]): Summary[] {
  const find = (client: ClientId, workload: WorkloadId) =>
    cells.find((cell) => cell.client === client && cell.workload === workload)
  return cells.map((cell) => {
    const ops = cell.rounds.map((round) => round.opsPerSecond)
    return {
      client: cell.client,
      workload: cell.workload,
      available: cell.status === 'ok',
      reason: cell.reason,
      medianOps: cell.status === 'ok' ? median(ops) : Number.NaN,
      spread: spread(ops),
      cpuMicros: median(cell.rounds.map((round) => round.cpuMicrosPerCall)),
      vsMysql2: pairedRatio(cell, find('mysql2', cell.workload)),
      vsKysely: pairedRatio(cell, find('kysely', cell.workload)),
      cpuVsMysql2: pairedRatio(cell, find('mysql2', cell.workload), cpuRatio),
      cpuVsKysely: pairedRatio(cell, find('kysely', cell.workload), cpuRatio),
      errors: cell.rounds.reduce((sum, round) => sum + round.errors, 0),
      calls: cell.rounds.reduce((sum, round) => sum + round.calls, 0),
      firstError: cell.rounds.find((round) => round.firstError !== undefined)?.firstError,
      statementsPerCall: cell.statementsPerCall,
      preparesPerCall: cell.preparesPerCall,
    }
  })
}

export function formatOps(value: number): string {
  if (!Number.isFinite(value)) return 'n/a'
  return value >= 100 ? Math.round(value).toLocaleString('en') : value.toFixed(1)
}

export function formatMicros(value: number): string {
  if (!Number.isFinite(value)) return 'n/a'
  return value >= 100 ? Math.round(value).toLocaleString('en') : value.toFixed(1)
}

export function formatRatio(value: number): string {
  return Number.isFinite(value) ? value.toFixed(2) : 'n/a'
}

function formatPercent(value: number): string {
  return `${(value * 100).toFixed(0)}%`
}

function formatCount(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2)
}

function formatStatements(summary: Summary): string {
  if (summary.statementsPerCall === undefined) return '-'
  const statements = formatCount(summary.statementsPerCall)
  return summary.preparesPerCall
    ? `${statements} (+${formatCount(summary.preparesPerCall)} prepare)`
    : statements
}

/** A goal check: a line of text and whether it held. */
export interface GoalCheck {
  readonly goal: string
  readonly met: boolean | undefined
  readonly detail: string
}

/**
 * The goals of the issue, checked on throughput: against a peer, the median of the per-run ratios (toolkit ÷ peer,
 * rounds of the same run) and in how many runs the toolkit was faster, so a lead inside the noise shows as such.
 */
export function checkGoals(
  cells: readonly Cell[],
  summaries: readonly Summary[],
  workloads: readonly { id: WorkloadId; title: string }[],
): GoalCheck[] {
  const get = (client: ClientId, workload: WorkloadId) =>
    summaries.find((summary) => summary.client === client && summary.workload === workload)
  const cellOf = (client: ClientId, workload: WorkloadId) =>
    cells.find((cell) => cell.client === client && cell.workload === workload)
  const checks: GoalCheck[] = []
  for (const toolkitClient of ['toolkit', 'toolkit-plugins'] as const) {
    const behind: string[] = []
    let measured = 0
    for (const workload of workloads) {
      const own = cellOf(toolkitClient, workload.id)
      if (own?.status !== 'ok') continue
      measured++
      for (const peer of PEERS) {
        const other = cellOf(peer, workload.id)
        if (other?.status !== 'ok') continue
        const ratio = pairedRatio(own, other)
        if (ratio >= 1) continue
        const runs = Math.min(own.rounds.length, other.rounds.length)
        let faster = 0
        for (let run = 0; run < runs; run++) {
          if (own.rounds[run]!.opsPerSecond > other.rounds[run]!.opsPerSecond) faster++
        }
        behind.push(
          `${workload.id} vs ${SHORT_LABELS[peer]} ×${formatRatio(ratio)} (faster in ${faster}/${runs} runs)`,
        )
      }
    }
    checks.push({
      goal: `${CLIENT_LABELS[toolkitClient]} ahead of every peer on every workload`,
      met: measured === 0 ? undefined : behind.length === 0,
      detail: behind.length === 0 ? 'ahead everywhere' : `behind on ${behind.join('; ')}`,
    })
  }
  for (const [toolkitClient, floor] of [
    ['toolkit', 0.95],
    ['toolkit-plugins', 0.9],
  ] as const) {
    const misses: string[] = []
    const ratios: string[] = []
    for (const workload of workloads) {
      const own = get(toolkitClient, workload.id)
      if (!own?.available || !Number.isFinite(own.vsKysely)) continue
      ratios.push(`${workload.id} ${formatRatio(own.vsKysely)} (CPU ${formatRatio(own.cpuVsKysely)})`)
      if (own.vsKysely < floor) misses.push(workload.id)
    }
    checks.push({
      goal: `${CLIENT_LABELS[toolkitClient]} within ${Math.round((1 - floor) * 100)}% of bare Kysely (throughput ratio ≥ ${floor}; CPU ratio in brackets)`,
      met: ratios.length === 0 ? undefined : misses.length === 0,
      detail: `${ratios.join(', ')}${misses.length === 0 ? '' : `; missed on ${misses.join(', ')}`}`,
    })
  }
  const offset = get('toolkit', 'deep-offset')
  const keyset = get('toolkit', 'deep-keyset')
  if (offset?.available && keyset?.available) {
    const factor = keyset.medianOps / offset.medianOps
    checks.push({
      goal: 'keyset cursor at depth 9,900 at least 10× faster than the offset page (kysely-toolkit)',
      met: factor >= 10,
      detail: `${factor.toFixed(1)}× (${formatOps(keyset.medianOps)} vs ${formatOps(offset.medianOps)} ops/s)`,
    })
  }
  return checks
}

/** Plain-text tables for the terminal. */
export function formatConsole(
  summaries: readonly Summary[],
  workloads: readonly { id: WorkloadId; title: string }[],
  clients: readonly ClientId[],
  goals: readonly GoalCheck[],
): string {
  const lines: string[] = []
  for (const workload of workloads) {
    lines.push('', `${workload.title} [${workload.id}]`)
    const rows = clients.map((client) => {
      const summary = summaries.find((s) => s.client === client && s.workload === workload.id)
      if (summary === undefined || !summary.available) {
        return [SHORT_LABELS[client], 'n/a', '', '', '', '', '', summary?.reason ?? 'not run']
      }
      return [
        SHORT_LABELS[client],
        formatOps(summary.medianOps),
        `±${formatPercent(summary.spread)}`,
        formatRatio(summary.vsMysql2),
        formatRatio(summary.vsKysely),
        formatMicros(summary.cpuMicros),
        formatStatements(summary),
        summary.errors > 0 ? `${summary.errors} errors: ${describeError(summary.firstError)}` : '',
      ]
    })
    lines.push(
      ...formatColumns([
        ['client', 'ops/s', 'spread', '×mysql2', '×Kysely', 'CPU µs/call', 'stmts/call', ''],
        ...rows,
      ]),
    )
  }
  lines.push('', 'Goals:')
  for (const goal of goals) {
    lines.push(
      `  ${goal.met === undefined ? '?' : goal.met ? 'met   ' : 'MISSED'} ${goal.goal}: ${goal.detail}`,
    )
  }
  return lines.join('\n')
}

function formatColumns(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)))
  return rows.map((row) =>
    row
      .map((value, column) =>
        column === 0 || column === row.length - 1
          ? value.padEnd(widths[column]!)
          : value.padStart(widths[column]!),
      )
      .join('  ')
      .trimEnd(),
  )
}

export function describeError(error: unknown): string {
  if (error === undefined) return ''
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  return text.replace(/\s+/g, ' ').slice(0, 160)
}

export interface Environment {
  readonly date: string
  readonly command: string
  readonly cpu: string
  readonly cores: number
  readonly memoryGiB: number
  readonly loadBefore: readonly number[]
  readonly loadAfter: readonly number[]
  readonly os: string
  readonly node: string
  readonly server: string
  readonly versions: Readonly<Record<string, string>>
  readonly runs: number
  readonly roundMs: number
  readonly warmupMs: number
  readonly concurrency: number
  readonly poolSize: number
  readonly durationS: number
  readonly quick: boolean
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ')
}

/** The generated docs page. */
export function formatMarkdown(input: {
  readonly summaries: readonly Summary[]
  readonly workloads: readonly { id: WorkloadId; title: string }[]
  readonly clients: readonly ClientId[]
  readonly goals: readonly GoalCheck[]
  readonly notes: ReadonlyMap<ClientId, readonly string[]>
  readonly unavailableClients: ReadonlyMap<ClientId, string>
  readonly environment: Environment
  readonly goalNotes: readonly string[]
}): string {
  const { summaries, workloads, clients, goals, environment: env } = input
  const get = (client: ClientId, workload: WorkloadId) =>
    summaries.find((summary) => summary.client === client && summary.workload === workload)
  const out: string[] = []
  out.push(
    '<!-- Generated by `npm run bench` (bench/src/main.ts). Do not edit by hand: run the bench again. -->',
    '',
    '# Benchmarks',
    '',
    `kysely-toolkit against the limit (raw mysql2 prepared statements, bare Kysely) and against peer ORMs, measured side by side in one run on ${env.date} with \`${env.command}\`${env.quick ? ' (a `--quick` smoke run: too short to quote)' : ''}.`,
    '',
    '> **Read the ratios, not the absolute numbers.** This machine has 2 shared cores and other work was running',
    `> during the run (load average ${env.loadBefore.map((n) => n.toFixed(1)).join(' / ')} before, ${env.loadAfter.map((n) => n.toFixed(1)).join(' / ')} after), so absolute ops/s are noisy and low.`,
    '> Clients take turns in short rounds, so drift hits them alike, and each ratio is taken between rounds of the same run.',
    '',
    '## Ratio to raw mysql2 `pool.execute`',
    '',
    'Median over runs of each client’s ops/s divided by raw mysql2’s in the same run; higher is faster, 1.00 is the limit.',
    '',
  )
  const header = [
    'workload',
    'mysql2 ops/s',
    ...clients.filter((c) => c !== 'mysql2').map((c) => SHORT_LABELS[c]),
  ]
  out.push(`| ${header.join(' | ')} |`, `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`)
  for (const workload of workloads) {
    const base = get('mysql2', workload.id)
    const cells = clients
      .filter((c) => c !== 'mysql2')
      .map((client) => {
        const summary = get(client, workload.id)
        return summary?.available ? formatRatio(summary.vsMysql2) : 'n/a'
      })
    out.push(
      `| ${workload.title} | ${base?.available ? formatOps(base.medianOps) : 'n/a'} | ${cells.join(' | ')} |`,
    )
  }
  out.push(
    '',
    '## Client CPU per call, relative to raw mysql2',
    '',
    'raw mysql2’s CPU time per call divided by each client’s (median of per-run ratios): 1.00 is as light as raw',
    'mysql2, 0.50 is twice its CPU. CPU time is counted in the bench process only, so it measures each library’s own',
    'cost and is much less disturbed by other load on the machine than throughput.',
    '',
  )
  const cpuHeader = [
    'workload',
    'mysql2 µs/call',
    ...clients.filter((c) => c !== 'mysql2').map((c) => SHORT_LABELS[c]),
  ]
  out.push(
    `| ${cpuHeader.join(' | ')} |`,
    `| ${cpuHeader.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
  )
  for (const workload of workloads) {
    const base = get('mysql2', workload.id)
    const cells = clients
      .filter((c) => c !== 'mysql2')
      .map((client) => {
        const summary = get(client, workload.id)
        return summary?.available ? formatRatio(summary.cpuVsMysql2) : 'n/a'
      })
    out.push(
      `| ${workload.title} | ${base?.available ? formatMicros(base.cpuMicros) : 'n/a'} | ${cells.join(' | ')} |`,
    )
  }
  out.push('', '## Goals', '')
  out.push(
    'Set before any code was written (Node 24, MariaDB 10.11, 16 in flight, ratios to raw mysql2 `execute`): peers measured',
    'bare Kysely 0.91-1.03, Drizzle 0.38-0.92, Sequelize 0.31-0.95, TypeORM 0.14-0.94, Prisma 7 0.13-0.90.',
    '',
  )
  for (const goal of goals) {
    out.push(
      `- ${goal.met === undefined ? '❔ not measured' : goal.met ? '✅ met' : '❌ missed'}: ${goal.goal}: ${escapeCell(goal.detail)}.`,
    )
  }
  if (input.goalNotes.length > 0) out.push('', ...input.goalNotes)
  out.push('', '## Each workload', '')
  out.push(
    'ops/s: median over runs of successful calls per second, 16 calls in flight. spread: half the interquartile range',
    'of the runs, relative to the median. ×mysql2 / ×Kysely: median of the per-run ratios. CPU µs/call: the bench process’s CPU time',
    '(user + system, all threads) per call, median over runs: the client library’s own cost, which other load on the',
    'machine disturbs much less than throughput. statements/call: statements the driver sent per call over 64 calls',
    'with 16 in flight, counted on its tracing channel (mysql2) or query logger (mariadb, under Prisma), BEGIN/COMMIT',
    'included; fewer than 1 means calls were batched into shared statements.',
    '',
  )
  for (const workload of workloads) {
    out.push(`### ${workload.title}`, '')
    out.push(
      '| client | ops/s | spread | ×mysql2 | ×Kysely | CPU µs/call | statements/call | notes |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    )
    for (const client of clients) {
      const summary = get(client, workload.id)
      if (summary === undefined || !summary.available) {
        out.push(`| ${CLIENT_LABELS[client]} | n/a | | | | | | ${escapeCell(summary?.reason ?? 'not run')} |`)
        continue
      }
      const note =
        summary.errors > 0
          ? `${summary.errors} of ${summary.calls} calls failed: ${describeError(summary.firstError)}`
          : ''
      out.push(
        `| ${CLIENT_LABELS[client]} | ${formatOps(summary.medianOps)} | ±${formatPercent(summary.spread)} | ${formatRatio(summary.vsMysql2)} | ${formatRatio(summary.vsKysely)} | ${formatMicros(summary.cpuMicros)} | ${formatStatements(summary)} | ${escapeCell(note)} |`,
      )
    }
    out.push('')
  }
  out.push('## How each client is written', '')
  for (const client of clients) {
    const unavailable = input.unavailableClients.get(client)
    out.push(
      `- **${CLIENT_LABELS[client]}**: ${unavailable ? `not measured: ${escapeCell(unavailable)}` : (input.notes.get(client) ?? []).join('; ')}.`,
    )
  }
  for (const [client, reason] of input.unavailableClients) {
    if (!clients.includes(client))
      out.push(`- **${CLIENT_LABELS[client]}**: not measured: ${escapeCell(reason)}.`)
  }
  out.push(
    '',
    '## Method',
    '',
    `- Machine: ${env.cpu}, ${env.cores} cores, ${env.memoryGiB} GiB, ${env.os}; Node ${env.node}; server ${env.server} on 127.0.0.1 over TCP (the same machine).`,
    `- Versions: ${Object.entries(env.versions)
      .map(([name, version]) => `${name} ${version}`)
      .join(', ')}.`,
    `- Each client has its own pool of ${env.poolSize} connections and gets ${env.concurrency} calls in flight (one loop per call slot, each starting its next call when the previous one ends).`,
    `- Interleaving: for each workload, every client first runs a ${env.warmupMs} ms warm-up round; then ${env.runs} runs, in each of which every client runs one ${env.roundMs} ms round, in an order rotated from run to run (a round also starts at least 32 calls, so slow workloads get longer rounds). The ratio to mysql2 is taken within each run, then the median over runs is reported. The young generation is collected between rounds, so no client pays for the previous one's garbage.`,
    '- Data: the bench creates its own database `ktbench_*` (dropped at the end), migrates it with the example migrations through `kysely-toolkit/migration`, and seeds 10,000 users (`ssn` encrypted by the encryption plugin), 50,000 orders and 10,000 accounts. Inserts and transfers run last, and inserted users sort after the seeded ones, so every read workload reads seeded rows. Every stored `ssn` is ciphertext: the clients without the encryption plugin insert a value encrypted once beforehand (an opaque string to them), the plugin clients insert plaintext and encrypt it, so all write the same bytes and only the plugin clients pay for cryptography.',
    '- Before timing, each client’s answers are checked against raw mysql2’s (same user, same 100 ids in the same order, keyset page = offset page, 50 users with their 250 orders, a transfer moves the money), and its statements per call are counted over a burst of 32 calls with 16 in flight (after an uncounted burst that opens the pool’s connections).',
    '- kysely-toolkit is imported from its build (`dist/`, rebuilt by the bench when `src/` is newer): what users install. The bench itself is TypeScript run by Node 24 directly (type stripping); the peers are in `bench/package.json` only.',
    `- The run took $Math.round(env.durationS)s.`,
    '',
    'Reproduce (MariaDB or MySQL on 127.0.0.1:3306 as root, or set `BENCH_DATABASE_URL=mysql://user:pass@host:port`):',
    '',
    '```sh',
    'npm install --no-audit --no-fund',
    '(cd bench && npm install --no-audit --no-fund)',
    'npm run bench            # full run, ~5 minutes here',
    'npm run bench -- --quick # smoke run, under a minute',
    'npm run bench -- --help  # runs, round length, clients, workloads',
    '```',
    '',
  )
  return out.join('\n')
}
