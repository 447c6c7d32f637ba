import { describe, expect, it } from 'vitest'
import { withInheritedCollations } from '../../../src/backup/schema-reader.js'

const TABLE = `CREATE TABLE \`t\` (
  \`id\` int NOT NULL AUTO_INCREMENT,
  \`name\` varchar(50) COLLATE utf8mb4_unicode_ci NOT NULL,
  \`mood\` enum('a COLLATE utf8mb4_unicode_ci','it''s') COLLATE utf8mb4_unicode_ci DEFAULT NULL,
  \`explicit\` varchar(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci DEFAULT NULL,
  \`other\` text COLLATE utf8mb4_bin,
  \`note\` varchar(20) COLLATE utf8mb4_unicode_ci DEFAULT 'x COLLATE utf8mb4_unicode_ci',
  PRIMARY KEY (\`id\`)
) ENGINE=InnoDB AUTO_INCREMENT=3 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`

describe(withInheritedCollations.name, () => {
  it("drops a column's COLLATE that is the table's default, and nothing else", () => {
    expect(withInheritedCollations(TABLE)).toBe(`CREATE TABLE \`t\` (
  \`id\` int NOT NULL AUTO_INCREMENT,
  \`name\` varchar(50) NOT NULL,
  \`mood\` enum('a COLLATE utf8mb4_unicode_ci','it''s') DEFAULT NULL,
  \`explicit\` varchar(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci DEFAULT NULL,
  \`other\` text COLLATE utf8mb4_bin,
  \`note\` varchar(20) DEFAULT 'x COLLATE utf8mb4_unicode_ci',
  PRIMARY KEY (\`id\`)
) ENGINE=InnoDB AUTO_INCREMENT=3 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`)
  })

  it('leaves a table without a written default collation alone', () => {
    const plain =
      'CREATE TABLE `t` (\n  `a` varchar(5) COLLATE utf8mb4_bin\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4'
    expect(withInheritedCollations(plain)).toBe(plain)
  })
})
