import type { BenchClient, KeysetCursor } from './client.ts'
import { EAGER_USERS, INSERTED_SSN, PAGE_SIZE } from './client.ts'
import { SEED } from './seed.ts'

export const WORKLOAD_IDS = [
  'find-by-id',
  'list-page',
  'deep-offset',
  'deep-keyset',
  'users-with-orders',
  'insert',
  'transfer',
] as const

export type WorkloadId = (typeof WORKLOAD_IDS)[number]

/** Depth of the deep page: the last page of the seeded users. */
export const DEEP_OFFSET = SEED.users - PAGE_SIZE

export interface Workload {
  readonly id: WorkloadId
  readonly title: string
  /** One call of client on input number `i` (the same `i` gives every client the same input). */
  readonly call: (client: BenchClient, i: number) => Promise<unknown>
}

/** A stable scatter of `i` over 0..n-1 (a multiplicative hash, so neighbouring calls touch distant rows). */
function scatter(i: number, n: number): number {
  return (i * 7919 + 104_729) % n
}

export interface WorkloadInputs {
  /** The sort key of the row just before the deep page (row DEEP_OFFSET - 1 in `created_at, id` order). */
  readonly deepCursor: KeysetCursor
  /** Makes inserted e-mail addresses unique across clients, rounds and runs. */
  readonly runTag: string
  /** {@link INSERTED_SSN} encrypted for `users.ssn`, written by the clients without the encryption plugin. */
  readonly encryptedSsn: string
}

/** The SSN value `client` writes (see {@link NewUser.ssn}). */
export function ssnFor(client: BenchClient, inputs: WorkloadInputs): string {
  return client.encryptsSsn ? INSERTED_SSN : inputs.encryptedSsn
}

export function createWorkloads(inputs: WorkloadInputs): readonly Workload[] {
  const inserted = new Map<string, number>()
  return [
    {
      id: 'find-by-id',
      title: 'find by primary key',
      call: (client, i) => client.findUser(1 + scatter(i, SEED.users)),
    },
    {
      id: 'list-page',
      title: `list ${PAGE_SIZE} sorted (offset 0-900)`,
      call: (client, i) => client.listUsers(PAGE_SIZE * (i % 10)),
    },
    {
      id: 'deep-offset',
      title: `deep page, offset ${DEEP_OFFSET.toLocaleString('en')}`,
      call: (client) => client.listUsers(DEEP_OFFSET),
    },
    {
      id: 'deep-keyset',
      title: `deep page, keyset cursor (same rows)`,
      call: (client) => client.usersAfter(inputs.deepCursor),
    },
    {
      id: 'users-with-orders',
      title: `${EAGER_USERS} users with their orders`,
      call: (client, i) => client.usersWithOrders(1 + scatter(i, SEED.users - EAGER_USERS)),
    },
    {
      id: 'insert',
      title: 'insert one row',
      call: (client) => {
        const sequence = (inserted.get(client.id) ?? 0) + 1
        inserted.set(client.id, sequence)
        return client.insertUser({
          email: `${client.id}.${inputs.runTag}.${sequence}@bench.example`,
          firstName: 'Bench',
          lastName: `Insert ${sequence}`,
          ssn: ssnFor(client, inputs),
        })
      },
    },
    {
      id: 'transfer',
      title: 'transfer (2 updates + 1 insert, one transaction)',
      call: (client, i) => {
        const from = 1 + scatter(i, SEED.users)
        const to = 1 + ((from + 1 + (i % 4_999)) % SEED.users)
        return client.transfer(from, to, '1.00')
      },
    },
  ]
}
