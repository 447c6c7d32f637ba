// #region search-users
import type { Kysely } from 'kysely'
import { applyFilter, applySort, parseFilter, parseSort } from 'kysely-toolkit'
import { z } from 'zod'
import type { DB } from '../../example/generated/db.js' // your generated types (kysely-toolkit codegen)

/** Public sort names → columns; kept in a constant so the options are resolved once. */
const USER_SORT = {
  allowed: { createdAt: 'created_at', email: 'email', lastName: 'last_name' },
  primaryKey: 'id',
  default: '-createdAt',
} as const

/** Fields, their operators, and a zod schema that converts and checks one value (query values are strings). */
const USER_FILTER = {
  allowed: { status: ['eq', 'in'], createdAt: ['gte', 'lt'], email: ['contains'] },
  schemas: {
    status: z.enum(['active', 'inactive', 'suspended']),
    createdAt: z.coerce.date(),
    email: z.string().max(255),
  },
  columns: { status: 'status', createdAt: 'created_at', email: 'email' },
} as const

/** GET /users?sort=-createdAt&filter[status][in]=active,inactive&filter[email][contains]=50%25 — bare Kysely. */
export function searchUsers(db: Kysely<DB>, query: { sort?: unknown; filter?: unknown }) {
  const sort = parseSort(query.sort, USER_SORT) // InvalidSortError lists the allowed fields
  const filter = parseFilter(query.filter, USER_FILTER) // InvalidFilterError names the field and operator
  const select = db.selectFrom('users').select(['id', 'email', 'status', 'created_at'])
  return applySort(applyFilter(select, filter), sort).limit(20).execute()
}
// #endregion search-users
