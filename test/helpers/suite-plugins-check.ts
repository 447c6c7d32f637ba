import { afterAll, expect } from 'vitest'
import { REDACTED } from '../../src/plugin/logging/redaction.js'
import { suitePluginsEnabled, suitePluginsRecord } from './suite-plugins.js'

const TRANSACTION_CONTROL = /^(?:begin|start transaction|commit|rollback|savepoint|release savepoint)\b/i
/** Introspection runs without plugins, on purpose: Kysely's migrator, and codegen's introspectSchema. */
const INTROSPECTION = /\binformation_schema\b|^select version\(\) as version, database\(\)/i

/**
 * The `integration-plugins` project's setup file: after each test file (its own hooks have closed its databases),
 * checks that the plugins installed by `withSuitePlugins` composed: every hook saw every query, nothing they were
 * given leaked a sensitive value, and none of them failed.
 */
afterAll(() => {
  expect(
    suitePluginsEnabled(),
    'the integration-plugins project must set KYSELY_TOOLKIT_SUITE_PLUGINS=all',
  ).toBe(true)
  const record = suitePluginsRecord()
  expect(
    record,
    'no database of this file was given the suite plugins (wrap its options in withSuitePlugins)',
  ).toBeDefined()
  if (record === undefined) return
  const { lines, spans, metrics } = record
  const snapshot = metrics.snapshot()

  // Each hook of the combined log saw every query: as many log lines as counted queries and ended spans.
  expect(lines.length).toBeGreaterThan(0)
  expect(snapshot.queries).toBe(lines.length)
  expect(spans.length).toBe(lines.length)
  expect(spans.every((span) => span.ended)).toBe(true)
  // Failures agree: error lines, counted errors and spans with an error status.
  const errorLines = lines.filter((line) => line.level === 'error')
  expect(snapshot.errors).toBe(errorLines.length)
  expect(spans.filter((span) => span.statusMessage !== undefined)).toHaveLength(errorLines.length)
  // Successful queries went through the plugin chain and came back: the recording plugin (installed last) saw a
  // result for each one logged as done (streams and failures excepted, and what Kysely runs past the plugins:
  // transaction control; and introspection, see INTROSPECTION).
  const completed = lines.filter((line) => line.level !== 'error' && line.event.stream !== true)
  const throughPlugins = completed.filter(
    (line) => !TRANSACTION_CONTROL.test(line.event.sql) && !INTROSPECTION.test(line.event.sql),
  )
  expect(throughPlugins.length).toBeGreaterThan(0)
  expect(record.results).toBeGreaterThanOrEqual(throughPlugins.length)
  // Every successful line carries the row count the result gave the logger (QueryLogDialect's path).
  expect(completed.filter((line) => line.event.rowCount === undefined)).toEqual([])

  // No value written into a sensitive column shows up in a log line or a span.
  const secrets = [...record.sensitiveValuesWritten]
  const logged = lines.map((line) => `${line.message} ${JSON.stringify(line.event)}`)
  const traced = spans.map((span) => `${span.statusMessage ?? ''} ${JSON.stringify(span.attributes)}`)
  for (const secret of secrets) {
    expect(
      logged.filter((text) => text.includes(secret)),
      `log lines leaking ${secret}`,
    ).toEqual([])
    expect(
      traced.filter((text) => text.includes(secret)),
      `spans leaking ${secret}`,
    ).toEqual([])
  }
  if (secrets.length > 0) expect(logged.some((text) => text.includes(REDACTED))).toBe(true)

  // The hooks never throw; when one fails it warns instead.
  expect(record.warnings).toEqual([])
})
