import { type Compilable, CompiledQuery, sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import {
  classifyStatement,
  decideRoute,
  InvalidOptionsError,
  ROUTE_REASONS,
  type RouteContext,
  RouteHintPlugin,
  routeToPrimary,
  routeToReplica,
  type StatementKind,
  startsReadYourWrites,
  targetOf,
} from '../../../src/index.js'
import { routeHintOf } from '../../../src/replication/route-hint-plugin.js'
import { RoutingQueryCompiler, statementKindOf } from '../../../src/replication/routing-query-compiler.js'
import { createCompileOnlyDb } from '../../helpers/compile-only-db.js'

const db = createCompileOnlyDb({ compiler: () => new RoutingQueryCompiler() })

/** The kind from the SQL text and from what the compiler noted, which must agree. */
function kindOf(query: Compilable): StatementKind {
  const compiled = query.compile()
  const kind = classifyStatement(compiled.query, compiled.sql)
  expect(statementKindOf(compiled), compiled.sql).toBe(kind)
  return kind
}

describe(classifyStatement.name, () => {
  it.each<[string, Compilable]>([
    ['a SELECT', db.selectFrom('users').select(['id', 'email']).where('id', '=', 1)],
    ['a SELECT without FROM', db.selectNoFrom(sql<number>`@@server_id`.as('id'))],
    [
      'a SELECT with joins, grouping and a subquery',
      db
        .selectFrom('users')
        .innerJoin('orders', 'orders.user_id', 'users.id')
        .select((eb) => [
          'users.id',
          eb.fn.count<number>('orders.id').as('orders'),
          eb
            .selectFrom('accounts')
            .select('balance')
            .whereRef('owner_id', '=', 'users.id')
            .limit(1)
            .as('balance'),
        ])
        .groupBy('users.id'),
    ],
    [
      'WITH ... SELECT',
      db
        .with('recent', (qb) => qb.selectFrom('orders').selectAll().where('status', '=', 'pending'))
        .selectFrom('recent')
        .selectAll(),
    ],
    [
      'a UNION of SELECTs',
      db.selectFrom('users').select('id').union(db.selectFrom('accounts').select('owner_id as id')),
    ],
    [
      'a column named like a session function',
      db.selectFrom('orders').select(sql<number>`\`row_count\``.as('n')),
    ],
    [
      'a bound value that looks like SQL',
      db.selectFrom('users').select('id').where('email', '=', "x' for update"),
    ],
    ['DISTINCT', db.selectFrom('users').select('status').distinct()],
  ])('%s is a read', (_, query) => {
    expect(kindOf(query)).toBe('read')
  })

  it.each<[string, Compilable]>([
    ['FOR UPDATE', db.selectFrom('accounts').selectAll().where('id', '=', 1).forUpdate()],
    ['FOR UPDATE SKIP LOCKED', db.selectFrom('accounts').selectAll().forUpdate().skipLocked()],
    ['FOR UPDATE NOWAIT', db.selectFrom('accounts').selectAll().forUpdate().noWait()],
    ['FOR SHARE', db.selectFrom('accounts').selectAll().forShare()],
    ['LOCK IN SHARE MODE', db.selectFrom('accounts').selectAll().modifyEnd(sql`lock in share mode`)],
    [
      'a locking subquery',
      db
        .selectFrom('users')
        .select('id')
        .where('id', 'in', db.selectFrom('accounts').select('owner_id').modifyEnd(sql`for update`)),
    ],
  ])('%s is a locking read', (_, query) => {
    expect(kindOf(query)).toBe('locking-read')
  })

  it.each<[string, Compilable]>([
    ['GET_LOCK', db.selectNoFrom((eb) => eb.fn<number>('get_lock', [eb.val('job'), eb.val(5)]).as('locked'))],
    ['RELEASE_LOCK', db.selectNoFrom((eb) => eb.fn<number>('release_lock', [eb.val('job')]).as('released'))],
    ['IS_USED_LOCK', db.selectNoFrom((eb) => eb.fn<number>('is_used_lock', [eb.val('job')]).as('holder'))],
    ['LAST_INSERT_ID()', db.selectNoFrom(sql<string>`last_insert_id()`.as('id'))],
    ['FOUND_ROWS()', db.selectNoFrom(sql<string>`FOUND_ROWS()`.as('n'))],
    [
      'NEXTVAL of a sequence',
      db.selectNoFrom((eb) => eb.fn<string>('nextval', [sql`order_numbers`]).as('n')),
    ],
    ['NEXT VALUE FOR', db.selectNoFrom(sql<string>`next value for order_numbers`.as('n'))],
    ['a user variable', db.selectNoFrom(sql<string>`@last_id`.as('id'))],
  ])('%s is a session read', (_, query) => {
    expect(kindOf(query)).toBe('session-read')
  })

  it('classifies a SELECT compiled by another Kysely by its root node only', () => {
    const compiled = db.selectNoFrom(sql<string>`last_insert_id()`.as('id')).compile()
    const elsewhere = { ...compiled }
    expect(statementKindOf(elsewhere)).toBe('read')
    const locking = { ...db.selectFrom('accounts').selectAll().forUpdate().compile() }
    expect(statementKindOf(locking)).toBe('locking-read')
  })

  it('treats system variables (@@name) as plain reads', () => {
    expect(kindOf(db.selectNoFrom(sql<string>`@@global.read_only`.as('ro')))).toBe('read')
  })

  it.each<[string, Compilable]>([
    ['INSERT', db.insertInto('users').values({ email: 'a@example.com', first_name: 'A', last_name: 'B' })],
    [
      'INSERT ... SELECT',
      db.insertInto('accounts').columns(['owner_id']).expression(db.selectFrom('users').select('id')),
    ],
    [
      'INSERT ... ON DUPLICATE KEY UPDATE',
      db
        .insertInto('users')
        .values({ email: 'a@example.com', first_name: 'A', last_name: 'B' })
        .onDuplicateKeyUpdate({ first_name: 'A' }),
    ],
    ['REPLACE', db.replaceInto('users').values({ email: 'a@example.com', first_name: 'A', last_name: 'B' })],
    ['UPDATE', db.updateTable('users').set({ status: 'inactive' }).where('id', '=', 1)],
    ['DELETE', db.deleteFrom('orders').where('status', '=', 'cancelled')],
    [
      'WITH ... UPDATE',
      db
        .with('stale', (qb) => qb.selectFrom('orders').select('id').where('status', '=', 'pending'))
        .updateTable('orders')
        .set({ status: 'cancelled' })
        .where('id', 'in', (eb) => eb.selectFrom('stale').select('id')),
    ],
  ])('%s is a write', (_, query) => {
    expect(kindOf(query)).toBe('write')
  })

  it.each<[string, Compilable]>([
    ['CREATE TABLE', db.schema.createTable('t').addColumn('id', 'integer')],
    ['ALTER TABLE', db.schema.alterTable('users').addColumn('nick', 'varchar(50)')],
    ['DROP TABLE', db.schema.dropTable('t').ifExists()],
    ['CREATE INDEX', db.schema.createIndex('users_status').on('users').column('status')],
    ['DROP INDEX', db.schema.dropIndex('users_status').on('users')],
    ['CREATE VIEW', db.schema.createView('active_users').as(db.selectFrom('users').selectAll())],
    ['DROP VIEW', db.schema.dropView('active_users')],
    ['CREATE SCHEMA', db.schema.createSchema('reports')],
  ])('%s is schema', (_, query) => {
    expect(kindOf(query)).toBe('schema')
  })

  it('treats raw SQL as raw, whatever it says', () => {
    const raw = sql`select id from users`.compile(db)
    expect(classifyStatement(raw.query, raw.sql)).toBe('raw')
    const begin = CompiledQuery.raw('begin')
    expect(classifyStatement(begin.query, begin.sql)).toBe('raw')
  })
})

const base: RouteContext = {
  onPrimary: false,
  hint: undefined,
  withPrimary: false,
  sinceLastWriteMs: undefined,
  readYourWritesMs: 2_000,
}

describe(decideRoute.name, () => {
  it('sends plain reads to a replica', () => {
    expect(decideRoute('read', base)).toBe('read')
    expect(targetOf(decideRoute('read', base))).toBe('replica')
  })

  it.each<StatementKind>(['write', 'schema', 'raw', 'locking-read', 'session-read'])(
    'sends %s statements to the primary',
    (kind) => {
      expect(decideRoute(kind, base)).toBe(kind)
      expect(targetOf(decideRoute(kind, base))).toBe('primary')
    },
  )

  it('keeps everything on a pinned connection (transaction) on the primary, hints included', () => {
    for (const kind of ['read', 'raw', 'write'] as const) {
      expect(decideRoute(kind, { ...base, onPrimary: true, hint: 'replica' })).toBe('pinned')
    }
  })

  it('lets a replica hint move reads and raw SQL, and nothing else', () => {
    const hinted = { ...base, hint: 'replica' as const }
    expect(decideRoute('raw', hinted)).toBe('replica-hint')
    expect(decideRoute('read', hinted)).toBe('replica-hint')
    expect(decideRoute('read', { ...hinted, withPrimary: true, sinceLastWriteMs: 0 })).toBe('replica-hint')
    for (const kind of ['write', 'schema', 'locking-read', 'session-read'] as const) {
      expect(targetOf(decideRoute(kind, hinted))).toBe('primary')
    }
  })

  it('sends reads to the primary when hinted, inside withPrimary, or inside the read-your-writes window', () => {
    expect(decideRoute('read', { ...base, hint: 'primary' })).toBe('primary-hint')
    expect(decideRoute('read', { ...base, withPrimary: true })).toBe('with-primary')
    expect(decideRoute('read', { ...base, sinceLastWriteMs: 0 })).toBe('read-your-writes')
    expect(decideRoute('read', { ...base, sinceLastWriteMs: 1_999.9 })).toBe('read-your-writes')
  })

  it('sends reads back to replicas once the window has passed, or when it is 0', () => {
    expect(decideRoute('read', { ...base, sinceLastWriteMs: 2_000 })).toBe('read')
    expect(decideRoute('read', { ...base, sinceLastWriteMs: 0, readYourWritesMs: 0 })).toBe('read')
  })

  it('names a target for every reason', () => {
    expect(ROUTE_REASONS.filter((reason) => targetOf(reason) === 'replica')).toEqual(['replica-hint', 'read'])
  })
})

describe(startsReadYourWrites.name, () => {
  it('starts the window for statements that may write, not for reads', () => {
    expect(['write', 'schema', 'raw'].every((kind) => startsReadYourWrites(kind as StatementKind))).toBe(true)
    expect(
      ['read', 'locking-read', 'session-read'].some((kind) => startsReadYourWrites(kind as StatementKind)),
    ).toBe(false)
  })
})

describe(RouteHintPlugin.name, () => {
  it('marks the compiled query, not the builder it came from', () => {
    const query = db.selectFrom('users').selectAll()
    expect(routeHintOf(query.compile().query)).toBeUndefined()
    expect(routeHintOf(routeToReplica(db).selectFrom('users').selectAll().compile().query)).toBe('replica')
    expect(routeHintOf(routeToPrimary(db).selectFrom('users').selectAll().compile().query)).toBe('primary')
    expect(routeHintOf(query.compile().query)).toBeUndefined()
  })

  it('marks raw SQL for one run only: the same template run without the hint has none', () => {
    const template = sql<{ n: number }>`select count(*) as n from orders`
    expect(routeHintOf(template.compile(routeToReplica(db)).query)).toBe('replica')
    expect(routeHintOf(template.compile(db).query)).toBeUndefined()
  })

  it('leaves the SQL untouched', () => {
    const plain = db.selectFrom('users').select('id').where('id', '=', 3).compile()
    const hinted = routeToPrimary(db).selectFrom('users').select('id').where('id', '=', 3).compile()
    expect(hinted.sql).toBe(plain.sql)
    expect(hinted.parameters).toEqual(plain.parameters)
  })

  it('refuses an unknown target', () => {
    expect(() => new RouteHintPlugin({ target: 'secondary' as 'replica' })).toThrow(InvalidOptionsError)
    expect(() => new RouteHintPlugin({ target: 'secondary' as 'replica' })).toThrow(
      `target must be 'primary' or 'replica' (got "secondary")`,
    )
  })
})
