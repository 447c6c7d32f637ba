/**
 * The SQL with every run of whitespace (newlines, indentation) collapsed to one space, cut at `maxLength`
 * characters (an ellipsis and the number of characters dropped mark the cut).
 *
 * @internal
 */
export function collapseSql(sql: string, maxLength: number): string {
  const collapsed = sql.replace(/\s+/g, ' ').trim()
  if (collapsed.length <= maxLength) return collapsed
  return `${collapsed.slice(0, maxLength)}… (+${collapsed.length - maxLength} chars)`
}
