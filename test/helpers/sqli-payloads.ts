import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const FOLDER = fileURLToPath(new URL('../fixtures/sqli', import.meta.url))

/**
 * Payloads of our own: quoting and escaping tricks aimed at client-side formatting (backslashes before quotes,
 * which a NO_BACKSLASH_ESCAPES session reads differently), comments, stacked queries, MySQL versioned comments,
 * control characters, look-alike quotes and other Unicode.
 */
export const OWN_PAYLOADS: readonly string[] = [
  "\\' OR 1=1 -- ",
  "\\\\' OR 1=1 -- ",
  "x\\' OR '1'='1",
  "\\'; DROP TABLE users; -- ",
  "'; DROP TABLE users; -- ",
  '1; SELECT SLEEP(5); -- ',
  "' UNION SELECT password_hash FROM users -- ",
  "'/**/OR/**/1=1#",
  "' /*!50000OR*/ 1=1 -- ",
  "admin'#",
  "admin'-- -",
  "' OR ''='",
  "'' OR 1=1 -- ",
  '\\',
  '\\\\',
  "\\'",
  "'\\",
  '\\"',
  '" OR "1"="1',
  "%' OR '%'='",
  "_' OR 1 -- ",
  '\\%\\_',
  '!%!_!!',
  'a\u0000b',
  "\u0000' OR 1=1 -- ",
  '\u001a',
  'line\nbreak\r\n\t',
  '\b\f\v',
  'ʼ OR 1=1 -- ',
  '＇ OR 1=1 -- ',
  '‘ OR 1=1 -- ',
  '`; DROP TABLE users; --',
  '``',
  '?',
  '? OR 1=1 -- ',
  '??',
  ':email',
  '$1',
  '@@version',
  'NULL',
  'null',
  '0x27',
  'CHAR(39)',
  "😀' OR 1=1 -- 😀",
  'e\u0301\u0301',
  '\u202e',
  '\ufeff',
  '\ud800',
  'ÿ\u00ff\u0100',
  `${'A'.repeat(200)}' OR 1=1 -- `,
]

/**
 * Every payload: each line of the corpus files (CR stripped, empty lines dropped), its URL-decoded form when that
 * differs, and {@link OWN_PAYLOADS}; without duplicates.
 */
export function loadSqlInjectionPayloads(): string[] {
  const payloads = new Set<string>()
  for (const file of readdirSync(FOLDER).sort()) {
    if (file === 'LICENSE' || file.endsWith('.md')) continue
    for (const line of readFileSync(`${FOLDER}/${file}`, 'utf8').split('\n')) {
      const payload = line.replace(/\r$/, '')
      if (payload.trim() === '') continue
      payloads.add(payload)
      try {
        payloads.add(decodeURIComponent(payload))
      } catch {
        // not URL-encoded
      }
    }
  }
  for (const payload of OWN_PAYLOADS) payloads.add(payload)
  return [...payloads]
}
