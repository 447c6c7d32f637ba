#!/usr/bin/env bash
# Prints a host path that runs a client program (mysqldump, mysql, mariadb-dump, mariadb) of a server that
# scripts/test-servers.sh runs in a Debian chroot, natively, with the chroot's own loader and libraries: the host's
# `mysqldump` may be MariaDB's (Debian links it to mariadb-dump), and the backup tests need each server's own tool.
#
#   scripts/client-tool.sh NAME PROGRAM      e.g. scripts/client-tool.sh mysql-9.7 mysqldump
#
# Exits 1 (printing nothing on stdout) when that server's chroot or program is not there.
set -euo pipefail

CACHE="${KYSELY_TOOLKIT_SERVER_CACHE:-$HOME/.cache/kysely-toolkit/servers}"
[ $# -eq 2 ] || { echo "usage: $0 NAME PROGRAM" >&2; exit 2; }
name=$1
program=$2
case "$program" in mysqldump | mysql | mariadb-dump | mariadb) ;; *) echo "client-tool: unknown program '$program'" >&2; exit 2 ;; esac
case "$name" in */* | .*) echo "client-tool: bad server name '$name'" >&2; exit 2 ;; esac
root="$CACHE/$name"
[ -f "$root/.kysely-toolkit-ready" ] && [ -x "$root/usr/bin/$program" ] || {
  echo "client-tool: no $program in $root (run scripts/test-servers.sh ensure $name)" >&2
  exit 1
}
wrapper="$CACHE/bin/$name/$program"
mkdir -p "$(dirname "$wrapper")"
if [ ! -x "$wrapper" ]; then
  libs="$root/usr/lib/x86_64-linux-gnu:$root/lib/x86_64-linux-gnu"
  tmp=$(mktemp "$wrapper.XXXXXX")
  cat >"$tmp" <<WRAPPER
#!/bin/sh
# Runs $root/usr/bin/$program on this machine with the chroot's C library (written by scripts/client-tool.sh).
exec "$root/lib64/ld-linux-x86-64.so.2" --library-path "$libs" "$root/usr/bin/$program" "\$@"
WRAPPER
  chmod 755 "$tmp"
  mv "$tmp" "$wrapper"
fi
echo "$wrapper"
