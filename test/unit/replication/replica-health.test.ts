import { describe, expect, it } from 'vitest'
import { isConnectionFailure, withConsistencyScope, withPrimary } from '../../../src/index.js'
import { currentScope, recordWrite } from '../../../src/replication/consistency-scope.js'
import { backoffDelayMs } from '../../../src/replication/replica-monitor.js'
import { lagStatementFor, parseLag } from '../../../src/replication/replication-lag.js'

const withFields = (message: string, fields: Record<string, unknown>) =>
  Object.assign(new Error(message), fields)

describe(isConnectionFailure.name, () => {
  it.each([
    [
      'a refused connection',
      withFields('connect ECONNREFUSED 127.0.0.1:3307', { code: 'ECONNREFUSED', errno: -111 }),
    ],
    ['a reset socket', withFields('read ECONNRESET', { code: 'ECONNRESET' })],
    [
      'a connection mysql2 lost',
      withFields('Connection lost: The server closed the connection.', {
        code: 'PROTOCOL_CONNECTION_LOST',
        fatal: true,
      }),
    ],
    [
      'any error mysql2 marks fatal',
      withFields("Can't add new command when connection is in closed state", { fatal: true }),
    ],
    [
      'a server shutting down',
      withFields('Server shutdown in progress', { code: 'ER_SERVER_SHUTDOWN', errno: 1053 }),
    ],
    [
      'a connection killed at shutdown (MariaDB)',
      withFields('Connection was killed', { code: 'ER_CONNECTION_KILLED', errno: 1927 }),
    ],
    ['too many connections', withFields('Too many connections', { code: 'ER_CON_COUNT_ERROR', errno: 1040 })],
  ])('is true for %s', (_, error) => {
    expect(isConnectionFailure(error)).toBe(true)
  })

  it.each([
    [
      'a missing table',
      withFields("Table 'shop.nope' doesn't exist", { code: 'ER_NO_SUCH_TABLE', errno: 1146 }),
    ],
    [
      'a syntax error',
      withFields('You have an error in your SQL syntax', { code: 'ER_PARSE_ERROR', errno: 1064 }),
    ],
    [
      'a read-only server',
      withFields('The MariaDB server is running with the --read-only option', { errno: 1290 }),
    ],
    ['a deadlock', withFields('Deadlock found', { code: 'ER_LOCK_DEADLOCK', errno: 1213 })],
    ['a plain error', new Error('boom')],
    ['not an error', 'ECONNREFUSED'],
    ['nothing', undefined],
  ])('is false for %s', (_, error) => {
    expect(isConnectionFailure(error)).toBe(false)
  })
})

describe(backoffDelayMs.name, () => {
  it('starts at the initial delay, doubles after each failed probe and stops at the maximum', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((failures) => backoffDelayMs(failures, 1_000, 30_000))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000,
    ])
    expect(backoffDelayMs(10_000, 1_000, 30_000)).toBe(30_000)
  })
})

describe(lagStatementFor.name, () => {
  it('uses SHOW SLAVE STATUS on MariaDB and MySQL before 8.0.22, SHOW REPLICA STATUS after', () => {
    expect(lagStatementFor('10.11.19-MariaDB-0+deb12u1')).toBe('SHOW SLAVE STATUS')
    expect(lagStatementFor('11.4.2-MariaDB')).toBe('SHOW SLAVE STATUS')
    expect(lagStatementFor('11.8.9-MariaDB-0+deb13u1 from Debian')).toBe('SHOW SLAVE STATUS')
    expect(lagStatementFor('8.0.21')).toBe('SHOW SLAVE STATUS')
    expect(lagStatementFor('8.0.22')).toBe('SHOW REPLICA STATUS')
    expect(lagStatementFor('8.4.3')).toBe('SHOW REPLICA STATUS')
    expect(lagStatementFor('9.1.0-commercial')).toBe('SHOW REPLICA STATUS')
    expect(lagStatementFor('9.7.4-2')).toBe('SHOW REPLICA STATUS') // MySQL 8.4 and 9 know no SHOW SLAVE STATUS
    expect(lagStatementFor('5.7.44-log')).toBe('SHOW SLAVE STATUS')
  })
})

describe(parseLag.name, () => {
  it('reads Seconds_Behind_Source (MySQL) or Seconds_Behind_Master (MariaDB), as numbers', () => {
    expect(parseLag([{ Seconds_Behind_Source: 3 }])).toEqual({ replicating: true, lagSeconds: 3 })
    expect(parseLag([{ Seconds_Behind_Master: '12' }])).toEqual({ replicating: true, lagSeconds: 12 })
  })

  it('reports no lag figure when replication is stopped, and 0 for a server that is not a replica', () => {
    expect(parseLag([{ Seconds_Behind_Master: null }])).toEqual({ replicating: true, lagSeconds: null })
    expect(parseLag([])).toEqual({ replicating: false, lagSeconds: 0 })
  })
})

describe(withConsistencyScope.name, () => {
  const database = {}

  it('remembers writes for the async work inside it only', async () => {
    recordWrite(database, 1)
    expect(currentScope()).toBeUndefined()
    await withConsistencyScope(async () => {
      await Promise.resolve()
      recordWrite(database, 42)
      await new Promise((resolve) => setTimeout(resolve, 1))
      expect(currentScope()?.writes.get(database)).toBe(42)
      expect(currentScope()?.forcePrimary).toBe(false)
    })
    expect(currentScope()).toBeUndefined()
  })

  it('joins the scope around it when nested, so the outer scope sees inner writes', async () => {
    await withConsistencyScope(async () => {
      const outer = currentScope()
      await withConsistencyScope(async () => {
        expect(currentScope()).toBe(outer)
        recordWrite(database, 7)
      })
      expect(outer?.writes.get(database)).toBe(7)
    })
  })

  it('returns what the function returns', () => {
    expect(withConsistencyScope(() => 'done')).toBe('done')
  })
})

describe(withPrimary.name, () => {
  it('forces the primary inside, and shares writes with the scope around it', async () => {
    const database = {}
    await withConsistencyScope(async () => {
      const outer = currentScope()
      await withPrimary(async () => {
        expect(currentScope()?.forcePrimary).toBe(true)
        recordWrite(database, 9)
      })
      expect(currentScope()?.forcePrimary).toBe(false)
      expect(outer?.writes.get(database)).toBe(9)
    })
  })

  it('works without a scope around it', async () => {
    const seen = await withPrimary(async () => currentScope()?.forcePrimary)
    expect(seen).toBe(true)
    expect(currentScope()).toBeUndefined()
  })
})
