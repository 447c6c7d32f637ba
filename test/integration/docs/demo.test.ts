import { fileURLToPath } from 'node:url'
import { describe, expect, inject, it } from 'vitest'
import { runScript } from '../../helpers/run-script.js'

const demo = fileURLToPath(new URL('../../../example/demo.ts', import.meta.url))

describe('npm run demo', () => {
  it('runs every step against the test server and cleans up after itself', async () => {
    const result = await runScript(demo, { TEST_DATABASE_URL: inject('serverUrl') }, { timeoutMs: 120_000 })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const output = result.stdout
    expect(output).toMatch(/the app reads: +078-05-1120/)
    expect(output).toMatch(/the table holds: +kt1:demo:/)
    expect(output).toContain('InvalidSortError: Invalid sort: cannot sort by "email;DROP TABLE users--"')
    expect(output).toMatch(/50 users, \d+ orders, \d+ items in 3 queries/)
    expect(output).toMatch(/400 ledger rows; \d+ attempts retried/)
    expect(output).toContain('unchanged ✓')
    expect(output).toContain('health: healthy')
    // The metrics say what the failed statements were, and name the statements without a table.
    expect(output).toMatch(/\d+ queries; \d+ failed( \(\d+ \w+.*: the bank's deadlocks, each retried\))?\n/)
    expect(output).toContain('"no table" is BEGIN, COMMIT')
    expect(output).not.toContain('(none)')
    // Not a terminal: no colour codes.
    expect(output).not.toContain('\u001b[')
    expect(output).toContain('verify: row counts and CHECKSUM TABLE equal ✓')
    expect(output).toMatch(/✓ cleaned up: dropped (ktdemo_\w+) and \1_copy/)
  })

  it('says how to provide a server when none answers', async () => {
    const result = await runScript(
      demo,
      { TEST_DATABASE_URL: 'mysql://root@127.0.0.1:1' },
      { timeoutMs: 60_000 },
    )
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('The server could not be used (ECONNREFUSED')
    expect(result.stderr).toContain('Set TEST_DATABASE_URL=')
  })
})
