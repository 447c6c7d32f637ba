import { describe, expect, it } from 'vitest'
import {
  createQueryLogger,
  InvalidOptionsError,
  logConsoleStyle,
  logPinoStyle,
  type QueryLogEvent,
  type QueryLogLevel,
  type QueryLogWriter,
} from '../../../src/index.js'
import { createDummyDb, errorEvent, queryEvent } from './dummy-database.js'

const db = createDummyDb()
const select = db
  .selectFrom('users')
  .select(['id', 'email'])
  .where('email', '=', 'ada@example.com')
  .where('password_hash', '=', 'hunter2')
  .compile()

function collect(): {
  writer: QueryLogWriter
  records: Array<{ level: QueryLogLevel; event: QueryLogEvent; message: string }>
} {
  const records: Array<{ level: QueryLogLevel; event: QueryLogEvent; message: string }> = []
  return { records, writer: (level, event, message) => records.push({ level, event, message }) }
}

describe(createQueryLogger.name, () => {
  it('logs debug for normal queries, warn from the slow threshold, error for failures', () => {
    const { writer, records } = collect()
    const { log } = createQueryLogger({ logger: writer, slowQueryMs: 100 })
    log(queryEvent(select, 99.9994))
    log(queryEvent(select, 100))
    log(
      errorEvent(
        select,
        Object.assign(new Error("Unknown column 'x'"), {
          code: 'ER_BAD_FIELD_ERROR',
          errno: 1054,
          sqlState: '42S22',
        }),
        2,
      ),
    )
    expect(records.map((record) => record.level)).toEqual(['debug', 'warn', 'error'])
    expect(records[0]).toEqual({
      level: 'debug',
      message: 'query: select users (99.999 ms)',
      event: {
        kind: 'select',
        table: 'users',
        sql: 'select `id`, `email` from `users` where `email` = ? and `password_hash` = ?',
        parameters: ['ada@example.com', '[REDACTED]'],
        durationMs: 99.999,
      },
    })
    expect(records[1]?.event.slow).toBe(true)
    expect(records[1]?.message).toBe('slow query: select users (100 ms)')
    expect(records[2]?.event.error).toEqual({
      code: 'ER_BAD_FIELD_ERROR',
      errno: 1054,
      sqlState: '42S22',
      message: "Unknown column 'x'",
    })
    expect(records[2]?.message).toBe('query failed: select users ER_BAD_FIELD_ERROR (2 ms)')
  })

  it('samples debug events only', () => {
    const { writer, records } = collect()
    const { log } = createQueryLogger({ logger: writer, sampleRate: 0, slowQueryMs: 10 })
    for (let index = 0; index < 100; index++) log(queryEvent(select, 1))
    log(queryEvent(select, 10))
    log(errorEvent(select, new Error('boom')))
    expect(records.map((record) => record.level)).toEqual(['warn', 'error'])

    const half = collect()
    const sampled = createQueryLogger({ logger: half.writer, sampleRate: 0.5 })
    for (let index = 0; index < 4000; index++) sampled.log(queryEvent(select, 1))
    expect(half.records.length).toBeGreaterThan(1700)
    expect(half.records.length).toBeLessThan(2300)
  })

  it('formats parameters JSON-safe and bounded', () => {
    const { writer, records } = collect()
    const { log } = createQueryLogger({
      logger: writer,
      maxParameters: 6,
      maxParameterLength: 5,
      maxSqlLength: 20,
    })
    const query = db
      .insertInto('order_items')
      .values({
        order_id: 12345678901234567890n as unknown as string,
        product_name: 'a very long product name',
        quantity: 1,
        price: '1.50',
      })
      .compile()
    const event = queryEvent(
      {
        ...query,
        parameters: [
          ...query.parameters,
          new Date('2024-01-02T03:04:05.678Z'),
          Buffer.from('xyz'),
          null,
          true,
        ],
      },
      1,
    )
    log(event)
    expect(records[0]?.event.parameters).toEqual([
      '12345678901234567890',
      'a ver… (+19 chars)',
      1,
      '1.50',
      '2024-01-02T03:04:05.678Z',
      '[Buffer: 3 bytes]',
      '[+2 more]',
    ])
    expect(records[0]?.event.sql).toBe('insert into `order_i… (+75 chars)')
    expect(() => JSON.stringify(records)).not.toThrow()
  })

  it('leaves out parameters when logParameters is off', () => {
    const { writer, records } = collect()
    createQueryLogger({ logger: writer, logParameters: false }).log(queryEvent(select, 1))
    expect(records[0]?.event).not.toHaveProperty('parameters')
  })

  it('skips building events for levels the logger has disabled', () => {
    const calls: string[] = []
    const pinoLike = {
      debug: () => calls.push('debug'),
      warn: () => calls.push('warn'),
      error: () => calls.push('error'),
      isLevelEnabled: (level: string) => level !== 'debug',
    }
    const { log } = createQueryLogger({ logger: logPinoStyle(pinoLike), slowQueryMs: 5 })
    log(queryEvent(select, 1))
    log(queryEvent(select, 6))
    expect(calls).toEqual(['warn'])
  })

  it('adapts console-style loggers with the message first', () => {
    const calls: unknown[][] = []
    const consoleLike = {
      debug: (...args: unknown[]) => calls.push(args),
      warn: (...args: unknown[]) => calls.push(args),
      error: (...args: unknown[]) => calls.push(args),
    }
    createQueryLogger({ logger: logConsoleStyle(consoleLike) }).log(queryEvent(select, 1))
    expect(calls[0]?.[0]).toBe('query: select users (1 ms)')
    expect(calls[0]?.[1]).toMatchObject({ kind: 'select', table: 'users' })
  })

  it('never throws into Kysely when the logger throws, and warns once', async () => {
    const warnings: string[] = []
    const onWarning = (warning: Error) => warnings.push(warning.message)
    process.on('warning', onWarning)
    try {
      const { log } = createQueryLogger({
        logger: () => {
          throw new Error('disk full')
        },
      })
      expect(() => log(queryEvent(select, 1))).not.toThrow()
      expect(() => log(queryEvent(select, 1))).not.toThrow()
      await new Promise((resolve) => setImmediate(resolve))
      expect(warnings.filter((message) => message.includes('disk full'))).toHaveLength(1)
    } finally {
      process.off('warning', onWarning)
    }
  })

  it('logs nothing and costs nothing without a logger', () => {
    const { log, options } = createQueryLogger()
    expect(options.logger).toBeUndefined()
    expect(log(queryEvent(select, 5000))).toBeUndefined()
  })

  it('refuses invalid options with every problem named', () => {
    try {
      createQueryLogger({
        sampleRate: 2,
        slowQueryMs: -1,
        logger: 'pino' as never,
        redact: { columns: 'ssn' as never },
      })
      expect.unreachable()
    } catch (error) {
      expect(InvalidOptionsError.is(error)).toBe(true)
      expect((error as InvalidOptionsError).problems.map((problem) => problem.message)).toEqual([
        expect.stringMatching(/^logger must be a function/),
        'slowQueryMs must be a number of milliseconds, zero or more (got -1)',
        'sampleRate must be a number from 0 to 1 (got 2)',
        'redact.columns must be an array of column names and RegExps (got "ssn")',
      ])
    }
  })
})
