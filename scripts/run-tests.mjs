#!/usr/bin/env node
// The test run behind `npm test` (after lint, type check and build): the projects that need no server once, then
// the server-backed projects once per server.
//
// Servers come from KYSELY_TOOLKIT_TEST_SERVERS, a comma-separated list of NAME=URL (e.g.
// `mariadb-10.11=mysql://root@127.0.0.1:3306,mysql-9.7=mysql://root@127.0.0.1:3307`); .ci/run sets it for the
// three servers it starts (scripts/test-servers.sh). Without it, the server-backed projects run once against the
// server the harness finds (TEST_DATABASE_URL, Docker, 127.0.0.1:3306, an installed server: see README.md); an
// entry that is only a NAME does the same and names the run.
//
// For a server that scripts/test-servers.sh provisions (mysql-9.7, mariadb-11.8), the run also gets
// KYSELY_TOOLKIT_SERVER_BINARY: that script's host-path wrapper of the same server binary, so that the tests that start
// private servers and replicated pairs run that server too (Oracle mysqld on the MySQL run). Other servers (the
// machine's own MariaDB) leave it as it is: unset, the harness finds the installed mariadbd/mysqld.
//
// Each server's projects are named after it (`integration@mysql-9.7`), so every failing test's output names the
// server. Vitest's JSON reports go to test-results/; the last line sums them up as "N passed, N failed".
// Extra arguments are passed to every vitest run.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'

const SERVERLESS_PROJECTS = ['unit', 'types', 'docs', 'package']
const SERVER_PROJECTS = ['integration', 'integration-plugins']
const RESULTS = 'test-results'

/** `NAME=URL` entries; a bare `NAME` lets the harness find the server (see README.md) and only names it. */
function parseServers(list) {
  if (list === undefined || list.trim() === '') return [{ name: undefined, url: undefined }]
  return list.split(',').map((entry, index) => {
    const at = entry.indexOf('=')
    const name = (at === -1 ? entry : entry.slice(0, at)).trim()
    const url = at === -1 ? undefined : entry.slice(at + 1).trim()
    if (!/^[a-z0-9][a-z0-9.-]*$/i.test(name) || (url !== undefined && !url.startsWith('mysql://'))) {
      // The entry may hold a password: name its position, not its text.
      console.error(
        `run-tests: entry ${index + 1} of KYSELY_TOOLKIT_TEST_SERVERS is not NAME or NAME=mysql://...`,
      )
      process.exit(2)
    }
    return { name, url }
  })
}

const TEST_SERVERS_SCRIPT = join('scripts', 'test-servers.sh')

/** The servers scripts/test-servers.sh knows, by name. */
function provisionedServers() {
  const { status, stdout } = spawnSync('bash', [TEST_SERVERS_SCRIPT, 'names'], { encoding: 'utf8' })
  return status === 0 ? new Set(stdout.split('\n').filter((name) => name !== '')) : new Set()
}

/** The wrapper of a provisioned server's binary (scripts/test-servers.sh binary NAME); exits when there is none. */
function serverBinaryOf(name) {
  const { status, stdout } = spawnSync('bash', [TEST_SERVERS_SCRIPT, 'binary', name], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const path = stdout.trim().split('\n').at(-1) ?? ''
  if (status !== 0 || path === '') {
    console.error(
      `run-tests: \`${TEST_SERVERS_SCRIPT} binary ${name}\` failed; ${name}'s private servers need it`,
    )
    process.exit(2)
  }
  return path
}

function vitest(label, projects, env, extra) {
  const file = join(RESULTS, `${label}.json`)
  rmSync(file, { force: true })
  const args = ['vitest', 'run', ...projects.flatMap((project) => ['--project', project])]
  args.push('--reporter=default', '--reporter=json', `--outputFile.json=${file}`, ...extra)
  const binary = env.KYSELY_TOOLKIT_SERVER_BINARY
  const privateServers = binary === undefined ? '' : ` (private servers from ${binary})`
  console.log(`\nrun-tests: ${label}: vitest ${projects.join(', ')}${privateServers}`)
  const started = Date.now()
  const { status } = spawnSync('npx', args, { stdio: 'inherit', env: { ...process.env, ...env } })
  return { label, file, status: status ?? 1, seconds: Math.round((Date.now() - started) / 1000) }
}

function countsOf(run) {
  if (!existsSync(run.file)) return { passed: 0, failed: 0, skipped: 0, missing: true }
  const report = JSON.parse(readFileSync(run.file, 'utf8'))
  return {
    passed: report.numPassedTests ?? 0,
    failed: report.numFailedTests ?? 0,
    skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
    missing: false,
  }
}

const extra = process.argv.slice(2)
mkdirSync(RESULTS, { recursive: true })
const servers = parseServers(process.env.KYSELY_TOOLKIT_TEST_SERVERS)
const provisioned = servers.some(({ name }) => name !== undefined) ? provisionedServers() : new Set()
// Before any test runs: a server whose wrapper cannot be made fails the run at once, not after the serverless part.
const binaries = new Map(
  servers.flatMap(({ name }) => (provisioned.has(name) ? [[name, serverBinaryOf(name)]] : [])),
)
const runs = [vitest('serverless', SERVERLESS_PROJECTS, {}, extra)]
for (const { name, url } of servers) {
  const env = name === undefined ? {} : { KYSELY_TOOLKIT_SERVER_NAME: name }
  if (url !== undefined) env.TEST_DATABASE_URL = url
  const binary = binaries.get(name)
  if (binary !== undefined) env.KYSELY_TOOLKIT_SERVER_BINARY = binary
  const projects = SERVER_PROJECTS.map((project) => (name === undefined ? project : `${project}@${name}`))
  runs.push(vitest(name ?? 'server', projects, env, extra))
}

console.log('\nrun-tests: summary')
const total = { passed: 0, failed: 0, skipped: 0 }
let status = 0
for (const run of runs) {
  const counts = countsOf(run)
  for (const key of Object.keys(total)) total[key] += counts[key]
  if (run.status !== 0 || counts.missing) status = 1
  const note = counts.missing ? ' (no report: vitest failed to start)' : run.status === 0 ? '' : ' (FAILED)'
  console.log(
    `  ${run.label}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped in ${run.seconds} s${note}`,
  )
}
console.log(`Tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`)
process.exit(status)
