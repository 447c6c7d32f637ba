import { trace } from '@opentelemetry/api'
import type { Dialect, KyselyConfig, LogEvent } from 'kysely'
import pino from 'pino'
import { Registry } from 'prom-client'
import { describe, expectTypeOf, it } from 'vitest'
import {
  combineLogs,
  createQueryLogger,
  createQueryMetrics,
  createQueryTracing,
  type LogFunction,
  logConsoleStyle,
  logPinoStyle,
  type QueryKind,
  QueryLogDialect,
  type QueryLogDialectOptions,
  type QueryLogWriter,
  type QueryTracer,
  type ResultLogEvent,
} from '../../src/index.js'
import { registerQueryMetrics } from '../../src/prometheus/index.js'

describe('observability types', () => {
  it('fits pino, console and OpenTelemetry as they are', () => {
    expectTypeOf(logPinoStyle(pino())).toEqualTypeOf<QueryLogWriter>()
    expectTypeOf(logConsoleStyle(console)).toEqualTypeOf<QueryLogWriter>()
    expectTypeOf(trace.getTracer('kysely')).toExtend<QueryTracer>()
    expectTypeOf(registerQueryMetrics).toBeCallableWith(createQueryMetrics(), new Registry())
  })

  it('gives Kysely log functions and plugins', () => {
    const queryLogger = createQueryLogger()
    const metrics = createQueryMetrics()
    const tracing = createQueryTracing({ tracer: trace.getTracer('kysely') })
    expectTypeOf(combineLogs(queryLogger.log, metrics.log, tracing.log)).toEqualTypeOf<LogFunction>()
    expectTypeOf(combineLogs(queryLogger.log)).toExtend<NonNullable<KyselyConfig['log']>>()
    expectTypeOf(queryLogger.plugin).toExtend<NonNullable<KyselyConfig['plugins']>[number]>()
    expectTypeOf(metrics.snapshot().byQuery[0]?.kind).toEqualTypeOf<QueryKind | undefined>()
  })

  it('gives QueryLogDialect the same log functions, and makes a Kysely dialect', () => {
    const queryLogger = createQueryLogger()
    const metrics = createQueryMetrics()
    const tracing = createQueryTracing({ tracer: trace.getTracer('kysely') })
    expectTypeOf(queryLogger.log).toExtend<QueryLogDialectOptions['log']>()
    expectTypeOf(combineLogs(queryLogger.log, metrics.log, tracing.log)).toExtend<
      QueryLogDialectOptions['log']
    >()
    expectTypeOf(QueryLogDialect).instance.toExtend<Dialect>()
    expectTypeOf<ResultLogEvent>().toExtend<LogEvent>()
  })

  it('refuses loggers of the wrong shape', () => {
    // @ts-expect-error a logger without warn and error
    logPinoStyle({ debug: () => {} })
    // @ts-expect-error sampleRate is a number
    createQueryLogger({ sampleRate: '0.5' })
  })
})
