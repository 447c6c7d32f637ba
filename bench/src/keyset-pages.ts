import type { Kysely } from 'kysely'
import type { DB } from '../../example/generated/db.ts'

/** Where a keyset page starts: the signed cursor, and the sort values it stands for (`created_at`, then `id`). */
export interface KeysetStart {
  readonly cursor: string
  readonly createdAt: Date
  readonly id: number
}

/** One page of `users` sorted by `created_at`, as the repository's `paginate` returns it. */
type Page = { items: { id: number; created_at: Date }[]; nextCursor: string | null }

/**
 * Walks `count` pages of 90 users by `created_at` through the repository and keeps where each next page starts:
 * starting points spread over the table for the keyset scenarios of bench/repository.ts and bench/keyset.ts.
 *
 * @example
 * const starts = await keysetStarts((after) =>
 *   users.paginate({ sort: 'created_at', limit: 90, after, select: ['id', 'created_at'] }),
 * )
 */
export async function keysetStarts(
  paginate: (after: string | null) => Promise<Page>,
  count = 10,
): Promise<KeysetStart[]> {
  const starts: KeysetStart[] = []
  let after: string | null = null
  for (let page = 0; page < count; page++) {
    const found: Page = await paginate(after)
    const last = found.items.at(-1)!
    after = found.nextCursor!
    starts.push({ cursor: after, createdAt: last.created_at, id: last.id })
  }
  return starts
}

/**
 * The keyset page the repository's `paginate` sends, written in bare Kysely: 101 users (a page of 100 and one to
 * tell whether there is a next) after `(createdAt, id)` by `created_at`, then `id`.
 *
 * @example
 * const rows = await keysetPageByHand(db, VISIBLE, { createdAt, id })
 */
export function keysetPageByHand<C extends keyof DB['users'] & string>(
  db: Kysely<DB>,
  columns: readonly C[],
  { createdAt, id }: Pick<KeysetStart, 'createdAt' | 'id'>,
) {
  return db
    .selectFrom('users')
    .select(columns)
    .where((eb) =>
      eb.and([
        eb('created_at', '>=', createdAt),
        eb.or([
          eb('created_at', '>', createdAt),
          eb.and([eb('created_at', '=', createdAt), eb('id', '>', id)]),
        ]),
      ]),
    )
    .orderBy('created_at')
    .orderBy('id')
    .limit(101)
    .execute()
}
