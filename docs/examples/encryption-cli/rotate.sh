#!/bin/sh
# The docs' command-line rotation; test/integration/docs/encryption.test.ts runs these commands in process.
set -e
# region cli
export ENCRYPTION_KEYS="2025-06:<new key>,2024-11:<old key>" BLIND_INDEX_KEY=<key> DATABASE_URL=mysql://...
kysely-toolkit encryption status --table users            # rows on old keys, per column and key id
kysely-toolkit encryption rotate --table users --batch-size 500
kysely-toolkit encryption rotate --table users --columns ssn --json
# endregion cli
