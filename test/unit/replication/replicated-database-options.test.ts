import { describe, expect, it } from 'vitest'
import {
  createDatabase,
  type DatabaseOptions,
  InvalidOptionsError,
  leastBusy,
  type ReplicatedDatabaseOptions,
  resolveReplicatedDatabaseOptions,
  roundRobin,
} from '../../../src/index.js'

function messagesOf(options: unknown): string[] {
  try {
    resolveReplicatedDatabaseOptions(options as ReplicatedDatabaseOptions)
  } catch (error) {
    if (InvalidOptionsError.is(error)) return error.problems.map((problem) => problem.message)
    throw error
  }
  throw new Error('expected the options to be rejected')
}

describe(resolveReplicatedDatabaseOptions.name, () => {
  it('resolves each server with the shared options, the primary at the top level, and documented defaults', () => {
    const options = resolveReplicatedDatabaseOptions({
      primary: { url: 'mysql://app:s3cret@primary:3306/shop' },
      replicas: [
        { url: 'mysql://app:s3cret@replica-1:3306/shop', pool: { max: 30 } },
        { host: 'replica-2', user: 'reader', database: 'shop' },
      ],
      pool: { max: 20, acquireTimeoutMs: 1_000 },
      timezone: '+02:00',
    })
    expect(options.connection).toMatchObject({ host: 'primary', port: 3306, user: 'app', database: 'shop' })
    expect(options.pool).toMatchObject({ max: 20, acquireTimeoutMs: 1_000 })
    expect(options.timezone).toBe('+02:00')
    expect(options.replicas).toHaveLength(2)
    expect(options.replicas[0]?.connection.host).toBe('replica-1')
    expect(options.replicas[0]?.pool).toMatchObject({ max: 30, maxIdle: 30, acquireTimeoutMs: 1_000 })
    expect(options.replicas[1]?.connection).toMatchObject({ host: 'replica-2', port: 3306, user: 'reader' })
    expect(options.replicas[1]?.timezone).toBe('+02:00')
    const { selectReplica, ...replication } = options.replication
    expect(replication).toEqual({
      readYourWritesMs: 2_000,
      maxLagSeconds: undefined,
      checkIntervalMs: 1_000,
      initialBackoffMs: 1_000,
      maxBackoffMs: 30_000,
      probeTimeoutMs: 2_000,
    })
    expect(typeof selectReplica).toBe('function')
    expect(Object.isFrozen(options)).toBe(true)
    expect(Object.isFrozen(options.replicas)).toBe(true)
    expect(Object.isFrozen(options.replication)).toBe(true)
  })

  it('keeps the selector given, and accepts no replicas at all', () => {
    const selector = roundRobin()
    const options = resolveReplicatedDatabaseOptions({
      primary: { host: 'primary' },
      replicas: [],
      replication: { selectReplica: selector, maxLagSeconds: 2.5, readYourWritesMs: 0 },
    })
    expect(options.replicas).toEqual([])
    expect(options.replication.selectReplica).toBe(selector)
    expect(options.replication.maxLagSeconds).toBe(2.5)
    expect(options.replication.readYourWritesMs).toBe(0)
  })

  it('names each bad server field by its full path, and never echoes a password', () => {
    const messages = messagesOf({
      primary: { url: 'http://primary/shop' },
      replicas: [
        { url: 'mysql://app:topsecret@replica-1/shop' },
        { host: 'replica-2', port: 70_000 },
        'replica-3',
      ],
    })
    expect(messages).toEqual([
      'replicas.2 must be an object with the connection: url, or host, port, user, password, database (got "replica-3")',
      'primary.url must start with mysql:// or mariadb:// (got "http://primary/shop")',
      'replicas.1.port must be a port number from 1 to 65535 (got 70000)',
    ])
    expect(messages.join(' ')).not.toContain('topsecret')
  })

  it('reports a bad shared option once, not once per server', () => {
    expect(
      messagesOf({
        primary: { host: 'primary' },
        replicas: [{ host: 'replica-1' }, { host: 'replica-2' }],
        pool: { max: 0 },
      }),
    ).toEqual(['pool.max must be a positive integer (got 0)'])
  })

  it('refuses a connection given at the top level, missing servers, and bad replication settings', () => {
    expect(messagesOf({ url: 'mysql://primary/shop', primary: { host: 'primary' }, replicas: [] })).toEqual([
      'url cannot be shared: give it in primary and in each of replicas',
    ])
    expect(messagesOf({ replicas: {} })).toEqual([
      'primary must be an object with the connection: url, or host, port, user, password, database (got nothing)',
      'replicas must be an array of server options (it may be empty) (got {})',
    ])
    expect(
      messagesOf({
        primary: { host: 'primary' },
        replicas: [],
        replication: {
          readYourWritesMs: -1,
          maxLagSeconds: 'ten',
          initialBackoffMs: 5_000,
          maxBackoffMs: 1_000,
          selectReplica: 'round-robin',
          sticky: true,
        },
      }),
    ).toEqual([
      'replication.readYourWritesMs must be a whole number, zero or more (got -1)',
      'replication.maxLagSeconds must be a number of seconds, zero or more (got "ten")',
      'replication.selectReplica must be a function (replicas) => index, such as leastBusy() or roundRobin() (got "round-robin")',
      'replication.sticky is not a known option',
    ])
    expect(
      messagesOf({
        primary: { host: 'primary' },
        replicas: [],
        replication: { initialBackoffMs: 5_000, maxBackoffMs: 1_000 },
      }),
    ).toEqual(['replication.maxBackoffMs must not be less than initialBackoffMs (5000) (got 1000)'])
  })
})

describe(createDatabase.name, () => {
  it('points to createReplicatedDatabase when given a primary and replicas', () => {
    expect(() =>
      createDatabase({ primary: { host: 'primary' }, replicas: [] } as unknown as DatabaseOptions),
    ).toThrow('primary cannot be set: a primary with replicas is made by createReplicatedDatabase')
  })
})

describe(leastBusy.name, () => {
  it('picks the replica with the fewest queries in flight', () => {
    const select = leastBusy()
    const loads = [
      { name: 'replica 1', inFlight: 4 },
      { name: 'replica 2', inFlight: 1 },
      { name: 'replica 3', inFlight: 2 },
    ]
    for (let turn = 0; turn < 6; turn++) expect(select(loads)).toBe(1)
  })

  it('takes equally loaded replicas in turn', () => {
    const select = leastBusy()
    const loads = [
      { name: 'replica 1', inFlight: 0 },
      { name: 'replica 2', inFlight: 0 },
      { name: 'replica 3', inFlight: 5 },
    ]
    const picks = Array.from({ length: 6 }, () => select(loads))
    expect(picks.filter((pick) => pick === 0)).toHaveLength(picks.filter((pick) => pick === 1).length)
    expect(picks).not.toContain(2)
  })
})

describe(roundRobin.name, () => {
  it('takes each replica in turn whatever its load', () => {
    const select = roundRobin()
    const loads = [
      { name: 'replica 1', inFlight: 9 },
      { name: 'replica 2', inFlight: 0 },
    ]
    expect(Array.from({ length: 4 }, () => select(loads))).toEqual([0, 1, 0, 1])
  })
})
