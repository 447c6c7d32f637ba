#!/usr/bin/env bash
# The test servers this project runs its suite on, beside the machine's own MariaDB 10.11 at 127.0.0.1:3306:
#
#   mysql-9.7     Oracle MySQL 9.7 LTS (Debian sid's mysql-server-core)      127.0.0.1:3307
#   mariadb-11.8  MariaDB 11.8 LTS (Debian 13 trixie's mariadb-server-core)  127.0.0.1:3308
#
# Both need a newer C library than Debian 12, so each lives in a minimal Debian chroot, built once with
# debootstrap from the Debian mirror apt already uses and cached outside the repository
# ($KYSELY_TOOLKIT_SERVER_CACHE, default ~/.cache/kysely-toolkit/servers). The server runs inside its chroot,
# listens on 127.0.0.1 only and shares the machine's network; its data lives inside the chroot.
#
# Usage (as root, which chroot needs):
#   scripts/test-servers.sh ensure NAME      build the chroot if it is not cached yet
#   scripts/test-servers.sh start NAME       ensure, then start on a fresh, empty data directory
#   scripts/test-servers.sh stop NAME        shut the server down (a no-op when it is not running)
#   scripts/test-servers.sh url NAME         print the root URL, e.g. mysql://root@127.0.0.1:3307
#   (KYSELY_TOOLKIT_SERVER_PORT_OFFSET=N adds N to both ports, so that a second run can start its own pair.)
#   scripts/test-servers.sh names            print every NAME
#   scripts/test-servers.sh binary NAME      print a host path that runs the chroot's server binary natively
#                                            (the chroot's own loader and libraries), for startPrivateServer
set -euo pipefail

CACHE="${KYSELY_TOOLKIT_SERVER_CACHE:-$HOME/.cache/kysely-toolkit/servers}"
NAMES=(mysql-9.7 mariadb-11.8)

die() {
  echo "test-servers: $*" >&2
  exit 1
}

# name -> "suite packages port server-binary"
describe() {
  case "$1" in
    mysql-9.7) echo "sid mysql-server-core,mysql-client-core 3307 /usr/sbin/mysqld" ;;
    mariadb-11.8) echo "trixie mariadb-server-core,mariadb-client 3308 /usr/sbin/mariadbd" ;;
    *) die "unknown server '$1' (known: ${NAMES[*]})" ;;
  esac
}

field() { describe "$1" | cut -d' ' -f"$2"; }
root_of() { echo "$CACHE/$1"; }
# KYSELY_TOOLKIT_SERVER_PORT_OFFSET moves both ports (e.g. 100: 3407 and 3408), for a second run beside the first.
port_of() { echo $(($(field "$1" 3) + ${KYSELY_TOOLKIT_SERVER_PORT_OFFSET:-0})); }

# The mirror apt uses on this machine, so the chroot comes from the same place as every other package.
debian_mirror() {
  local uri
  uri=$(grep -hE '^\s*URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -n 1 || true)
  if [ -z "$uri" ]; then
    uri=$(grep -hE '^\s*deb\s' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | grep -v security | head -n 1 || true)
  fi
  [ -n "$uri" ] || die "no Debian mirror found in apt's sources"
  echo "$uri"
}

ensure() {
  local name=$1 root suite packages
  root=$(root_of "$name")
  suite=$(field "$name" 1)
  packages=$(field "$name" 2)
  # The marker holds the package list it was built with: a changed list builds the chroot again.
  [ -f "$root/.kysely-toolkit-ready" ] && [ "$(cat "$root/.kysely-toolkit-ready")" = "$packages" ] && return 0
  if ! command -v debootstrap >/dev/null; then
    echo "test-servers: installing debootstrap from Debian's packages"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  fi
  echo "test-servers: building $name ($packages from $suite) in $root; this takes a few minutes once"
  rm -rf "$root"
  mkdir -p "$root"
  debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$(debian_mirror)" >"$CACHE/$name.debootstrap.log" 2>&1 ||
    die "debootstrap failed for $name; see $CACHE/$name.debootstrap.log"
  if ! chroot "$root" getent passwd mysql >/dev/null; then
    chroot "$root" groupadd --system mysql
    chroot "$root" useradd --system --gid mysql --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin mysql
  fi
  chroot "$root" "$(field "$name" 4)" --version >"$root/.kysely-toolkit-version"
  echo "$packages" >"$root/.kysely-toolkit-ready"
}

# mariadb-install-db resolves the machine's name; the chroot gets the host's view of it.
sync_host_files() {
  local root=$1
  cp /etc/hosts "$root/etc/hosts"
  cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
}

initialise() {
  local name=$1 root=$2 datadir=$3
  case "$name" in
    mysql-*)
      chroot "$root" /usr/sbin/mysqld --no-defaults --initialize-insecure --user=mysql --datadir="$datadir" \
        >"$root$datadir.init.log" 2>&1
      ;;
    mariadb-*)
      chroot "$root" mariadb-install-db --no-defaults --user=mysql --datadir="$datadir" \
        --auth-root-authentication-method=normal --skip-test-db >"$root$datadir.init.log" 2>&1
      ;;
  esac
}

start_server_process() {
  local name=$1 root=$2 datadir=$3 port=$4 log=$5
  local common=(--no-defaults --user=mysql --datadir="$datadir" --port="$port" --bind-address=127.0.0.1
    --socket="/run/mysqld/$port.sock" --pid-file="/run/mysqld/$port.pid" --log-error="$log"
    --secure-file-priv= --max-connections=500 --server-id=1 --log-bin=binlog)
  case "$name" in
    mysql-*)
      setsid chroot "$root" /usr/sbin/mysqld "${common[@]}" --mysqlx=OFF --gtid-mode=ON \
        --enforce-gtid-consistency=ON --binlog-expire-logs-seconds=3600 </dev/null >/dev/null 2>&1 &
      ;;
    mariadb-*)
      setsid chroot "$root" /usr/sbin/mariadbd "${common[@]}" --binlog-format=ROW </dev/null >/dev/null 2>&1 &
      ;;
  esac
}

answers() {
  local name=$1 root port client
  root=$(root_of "$name")
  port=$(port_of "$name")
  case "$name" in mysql-*) client=mysql ;; *) client=mariadb ;; esac
  chroot "$root" "$client" --protocol=tcp -h 127.0.0.1 -P "$port" -uroot -e 'select 1' >/dev/null 2>&1
}

start() {
  local name=$1 root port datadir log
  ensure "$name"
  stop "$name"
  root=$(root_of "$name")
  port=$(port_of "$name")
  datadir="/var/lib/kysely-toolkit-$port"
  log="/var/log/kysely-toolkit-$port.err"
  sync_host_files "$root"
  rm -rf "${root:?}$datadir" "$root$datadir.init.log" "$root$log"
  mkdir -p "$root/run/mysqld" "$root$datadir" "$root/var/log"
  touch "$root$log"
  chroot "$root" chown mysql:mysql /run/mysqld "$datadir" "$log"
  initialise "$name" "$root" "$datadir" || die "initialising $name failed; see $root$datadir.init.log"
  start_server_process "$name" "$root" "$datadir" "$port" "$log"
  for _ in $(seq 1 120); do
    if answers "$name"; then
      echo "test-servers: $name ($(cat "$root/.kysely-toolkit-version")) answers at 127.0.0.1:$port"
      return 0
    fi
    sleep 0.5
  done
  tail -n 30 "$root$log" >&2 || true
  die "$name did not answer at 127.0.0.1:$port within 60 s"
}

stop() {
  local name=$1 root port pidfile pid
  root=$(root_of "$name")
  port=$(port_of "$name")
  pidfile="$root/run/mysqld/$port.pid"
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 120); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

# Writes an executable file atomically (a server starting from the old one meanwhile sees a whole file).
write_executable() {
  local path=$1 temporary
  temporary=$(mktemp "$path.XXXXXX")
  cat >"$temporary"
  chmod 755 "$temporary"
  mv -f "$temporary" "$path"
}

# A host path that runs the chroot's server binary with the chroot's own loader and libraries, so that a test
# can hand it to startPrivateServer like an installed mysqld or mariadbd. The wrappers are laid out like an
# installation ($CACHE/bin/NAME/{sbin,bin,share,lib}), so that what startPrivateServer looks for beside the
# server finds the chroot's version of it: for MariaDB its mariadb-install-db (run with this tree as --basedir,
# where my_print_defaults is wrapped too and share/mariadb holds the chroot's system-table scripts; the host's
# own mariadb-install-db would load another version's system tables). They are rewritten on every call.
binary() {
  local name=$1 root bin server shim libs loader messages
  ensure "$name"
  root=$(root_of "$name")
  bin=$(field "$name" 4)
  server=$(basename "$bin")
  shim="$CACHE/bin/$name"
  libs="$root/usr/lib/x86_64-linux-gnu:$root/lib/x86_64-linux-gnu"
  loader="$root/lib64/ld-linux-x86-64.so.2"
  case "$name" in mysql-*) messages=mysql ;; *) messages=mariadb ;; esac
  [ -x "$loader" ] || die "$name has no loader at $loader"
  # mariadb-server-core ships no plugins; an empty folder keeps the server away from the host's.
  mkdir -p "$root/usr/lib/mysql/plugin" "$shim/sbin" "$shim/bin" "$shim/lib/mysql" "$shim/share"
  ln -sfn "$root/usr/lib/mysql/plugin" "$shim/lib/mysql/plugin"
  ln -sfn "$root/usr/share/$messages" "$shim/share/$messages"
  write_executable "$shim/sbin/$server" <<EOF
#!/bin/sh
# Runs $root$bin on this machine with the chroot's C library (written by scripts/test-servers.sh binary $name).
# The share and plugin folders come from the chroot too. --no-defaults and --defaults-(extra-)file must stay
# first; options given later override these (mariadb-install-db passes its own --basedir and --plugin-dir).
case "\${1:-}" in
  --no-defaults | --defaults-file=* | --defaults-extra-file=*)
    first=\$1
    shift
    set -- "\$first" --basedir="$root/usr" --lc-messages-dir="$root/usr/share/$messages" \\
      --plugin-dir="$root/usr/lib/mysql/plugin" "\$@"
    ;;
  *)
    set -- --basedir="$root/usr" --lc-messages-dir="$root/usr/share/$messages" \\
      --plugin-dir="$root/usr/lib/mysql/plugin" "\$@"
    ;;
esac
exec "$loader" --library-path "$libs" "$root$bin" "\$@"
EOF
  if [ "$server" = mariadbd ]; then
    write_executable "$shim/bin/my_print_defaults" <<EOF
#!/bin/sh
# Runs the chroot's my_print_defaults on this machine (written by scripts/test-servers.sh binary $name).
exec "$loader" --library-path "$libs" "$root/usr/bin/my_print_defaults" "\$@"
EOF
    # --force: the chroot has no resolveip; the private servers' accounts name 127.0.0.1, not the host name.
    write_executable "$shim/bin/mariadb-install-db" <<EOF
#!/bin/sh
# Runs the chroot's mariadb-install-db on this machine with $shim as its installation
# (written by scripts/test-servers.sh binary $name). --no-defaults and --defaults-(extra-)file stay first.
case "\${1:-}" in
  --no-defaults | --defaults-file=* | --defaults-extra-file=*)
    first=\$1
    shift
    set -- "\$first" --basedir="$shim" --force "\$@"
    ;;
  *) set -- --basedir="$shim" --force "\$@" ;;
esac
exec /bin/sh "$root/usr/bin/mariadb-install-db" "\$@"
EOF
  fi
  echo "$shim/sbin/$server"
}

command=${1:-}
case "$command" in
  names) printf '%s\n' "${NAMES[@]}" ;;
  ensure | start | stop | binary)
    [ $# -eq 2 ] || die "usage: $0 $command NAME"
    describe "$2" >/dev/null
    "$command" "$2"
    ;;
  url)
    [ $# -eq 2 ] || die "usage: $0 url NAME"
    echo "mysql://root@127.0.0.1:$(port_of "$2")"
    ;;
  *) die "usage: $0 ensure|start|stop|url|binary NAME, or $0 names" ;;
esac
