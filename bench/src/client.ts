/**
 * What every benchmarked client implements: the same six operations on the example schema, each written the way
 * that client's users write it (see the files in ./clients/).
 */

/** The clients, in the order the tables show them. */
export const CLIENT_IDS = [
  'mysql2',
  'kysely',
  'toolkit',
  'toolkit-plugins',
  'toolkit-db',
  'toolkit-logging',
  'toolkit-metrics',
  'toolkit-encryption',
  'toolkit-observed',
  'toolkit-db-bare-transaction',
  'drizzle',
  'sequelize',
  'typeorm',
  'prisma',
] as const

export type ClientId = (typeof CLIENT_IDS)[number]

/** Variants of the toolkit that tell where its cost comes from: run on request (`--clients`). */
export const DIAGNOSTIC_CLIENT_IDS: readonly ClientId[] = [
  'toolkit-db',
  'toolkit-logging',
  'toolkit-metrics',
  'toolkit-encryption',
  'toolkit-observed',
  'toolkit-db-bare-transaction',
]

/** The clients of a run without `--clients`. */
export const DEFAULT_CLIENT_IDS: readonly ClientId[] = CLIENT_IDS.filter(
  (id) => !DIAGNOSTIC_CLIENT_IDS.includes(id),
)

/** The sort key of the row a keyset page starts after (`order by created_at, id`). */
export interface KeysetCursor {
  readonly createdAt: Date
  readonly id: number
}

/** A user to insert. */
export interface NewUser {
  readonly email: string
  readonly firstName: string
  readonly lastName: string
  /**
   * The SSN as this client writes it: plaintext for a client with the encryption plugin (which encrypts it), the
   * same value already encrypted for the others (an opaque string to them), so every row holds valid ciphertext
   * and every client writes the same bytes.
   */
  readonly ssn: string
}

/** The SSN of inserted users, before encryption. */
export const INSERTED_SSN = '123-45-6789'

/** The least a returned row must carry, so the bench can check every client returns the same rows. */
export interface RowWithId {
  readonly id: number | string | bigint
}

export interface UserWithOrders extends RowWithId {
  readonly orders: readonly unknown[]
}

export interface BenchClient {
  readonly id: ClientId
  /** Whether this client encrypts `users.ssn` itself (the toolkit's encryption plugin). */
  readonly encryptsSsn: boolean
  /** One line on how this client is set up and which idioms it uses, for the report. */
  readonly notes: readonly string[]
  /** A user by primary key, all columns. */
  findUser(id: number): Promise<RowWithId | null | undefined>
  /** 100 users, all columns, `order by created_at, id limit 100 offset ?`. */
  listUsers(offset: number): Promise<readonly RowWithId[]>
  /** The 100 users after `cursor` in the same order (keyset pagination). */
  usersAfter(cursor: KeysetCursor): Promise<readonly RowWithId[]>
  /** Inserts one user. */
  insertUser(user: NewUser): Promise<unknown>
  /** Users `firstId` to `firstId + 49`, each with all its orders (eager loading). */
  usersWithOrders(firstId: number): Promise<readonly UserWithOrders[]>
  /**
   * Moves `amount` from one account to the other in a transaction: two updates (in id order, so concurrent
   * transfers never deadlock) and one ledger insert.
   */
  transfer(from: number, to: number, amount: string): Promise<void>
  /** Checks of what this client cannot do on this server, as notes for the report. */
  probe?(): Promise<readonly string[]>
  close(): Promise<void>
}

/** Where a client connects, and what it shares with the others. */
export interface ClientContext {
  readonly host: string
  readonly port: number
  readonly user: string
  readonly password: string
  readonly database: string
  /** A `mysql://` URL of the bench database. */
  readonly url: string
  /** Connections in each client's pool. */
  readonly poolSize: number
  /** Base64 AES key for the encryption plugin (the seed wrote `users.ssn` with it). */
  readonly encryptionKey: string
  /** Pino level of the query logger in the plugins client (`debug` writes every query). */
  readonly logLevel: string
}

/** Page size of the list workloads. */
export const PAGE_SIZE = 100
/** Users per call of the eager-loading workload. */
export const EAGER_USERS = 50

/** The transfer's two updates in id order (lower id first), with the sign each gets. */
export function transferSteps(
  from: number,
  to: number,
): readonly [{ id: number; sign: -1 | 1 }, { id: number; sign: -1 | 1 }] {
  return from < to
    ? [
        { id: from, sign: -1 },
        { id: to, sign: 1 },
      ]
    : [
        { id: to, sign: 1 },
        { id: from, sign: -1 },
      ]
}
