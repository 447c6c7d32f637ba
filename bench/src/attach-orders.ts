/**
 * Groups orders under their users by `user_id`, as an application does after loading users and then their orders
 * with one `IN` query; a user without orders gets an empty array. Shared by the bench's hand-written eager loads.
 *
 * @example
 * attachOrders([{ id: 1 }], [{ id: '7', user_id: 1 }]) // [{ id: 1, orders: [{ id: '7', user_id: 1 }] }]
 */
export function attachOrders<U extends { id: number }, O extends { user_id: number }>(
  users: readonly U[],
  orders: readonly O[],
): (U & { orders: O[] })[] {
  const byUser = new Map<number, O[]>()
  for (const order of orders) {
    const list = byUser.get(order.user_id)
    if (list === undefined) byUser.set(order.user_id, [order])
    else list.push(order)
  }
  return users.map((user) => ({ ...user, orders: byUser.get(user.id) ?? [] }))
}
