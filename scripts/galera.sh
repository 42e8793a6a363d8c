#!/usr/bin/env bash
# galera.sh brings up, and tears down, a 3-node MariaDB Galera cluster on
# loopback for the store's cluster tests (X7), from Debian's packages
# (mariadb-server, galera-4, rsync), with no root password over TCP:
#
#   scripts/galera.sh start        # all three nodes; prints the DSNs
#   scripts/galera.sh dsns         # PORTAL_TEST_GALERA_DSNS's value
#   scripts/galera.sh kill N       # SIGKILL node N (1–3): a lost node
#   scripts/galera.sh start-node N # node N (re)joins the cluster
#   scripts/galera.sh status       # each node's wsrep state
#   scripts/galera.sh stop         # every node, and its files removed
#
# Node N listens on 127.0.0.1:330(6+N) for clients and on 45N7 (N=1: 4567,
# 2: 4577, 3: 4587) for group communication, with IST on the port after it
# and rsync state transfer on 44N4 - 10. Its data, socket, log and option
# file are under $GALERA_DIR/nodeN (default /tmp/portal-galera). The nodes
# run as the mysql user, so that rsync's state transfer daemon, which runs
# as the server's user, may write a joining node's data directory.
set -euo pipefail

dir=${GALERA_DIR:-/tmp/portal-galera}
provider=${GALERA_PROVIDER:-/usr/lib/galera/libgalera_smm.so}
user=portal # the tests' account: all privileges, no password, from 127.0.0.1

port() { echo $((3306 + $1)); }
gport() { echo $((4557 + 10 * $1)); }

cnf() { # cnf N: node N's option file
	local n=$1 d=$dir/node$1 g
	g=$(gport "$n")
	cat <<EOF
[mariadbd]
user=mysql
datadir=$d/data
socket=$d/mysqld.sock
pid-file=$d/mysqld.pid
log-error=$d/error.log
port=$(port "$n")
bind-address=127.0.0.1
skip-name-resolve
character-set-server=utf8mb4
collation-server=utf8mb4_bin
innodb_buffer_pool_size=128M
innodb_log_file_size=48M
# Durability comes from the other two nodes: a commit is on all of them.
innodb_flush_log_at_trx_commit=0
binlog_format=ROW
default_storage_engine=InnoDB
innodb_autoinc_lock_mode=2
max_connections=300
# A lock wait that a cluster cannot break (a local transaction and a
# replicated one waiting on each other) ends after this many seconds, and
# the store runs the local one again; the default, 50, stalls every node.
innodb_lock_wait_timeout=5
wsrep_on=ON
wsrep_provider=$provider
wsrep_cluster_name=portal_test
wsrep_cluster_address=gcomm://127.0.0.1:4567,127.0.0.1:4577,127.0.0.1:4587
wsrep_node_name=node$n
wsrep_node_address=127.0.0.1:$g
wsrep_provider_options="base_port=$g;ist.recv_addr=127.0.0.1:$((g + 1));gcache.size=128M;evs.inactive_timeout=PT6S;evs.suspect_timeout=PT3S"
wsrep_sst_method=rsync
wsrep_sst_receive_address=127.0.0.1:$((4434 + 10 * n))
wsrep_slave_threads=2
EOF
}

sql() { # sql N STATEMENT: run STATEMENT on node N as root over its socket
	mariadb --protocol=socket -S "$dir/node$1/mysqld.sock" -uroot -NBe "$2"
}

running() { # running N: node N's server process is alive (not a zombie)
	local pid state
	pid=$(cat "$dir/node$1/mysqld.pid" 2>/dev/null) || return 1
	state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
	[ -n "$state" ] && [ "$state" != Z ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = mariadbd ]
}

synced() { # synced N: node N is a synced member of the primary component
	[ "$(sql "$1" "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='WSREP_LOCAL_STATE_COMMENT'" 2>/dev/null)" = Synced ] &&
		[ "$(sql "$1" "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='WSREP_READY'" 2>/dev/null)" = ON ]
}

wait_synced() { # wait_synced N: up to 120 s
	for _ in $(seq 1 240); do
		synced "$1" && return 0
		if ! running "$1" && [ -f "$dir/node$1/mysqld.pid" ]; then
			break
		fi
		sleep 0.5
	done
	echo "galera: node $1 did not join; its log:" >&2
	tail -n 40 "$dir/node$1/error.log" >&2 || true
	return 1
}

start_node() { # start_node N [--wsrep-new-cluster]
	local n=$1 d=$dir/node$1
	shift
	mkdir -p "$d/data"
	cnf "$n" >"$d/my.cnf"
	chmod 0644 "$d/my.cnf" # mariadbd ignores a world-writable option file
	if [ ! -d "$d/data/mysql" ] && [ $# -gt 0 ]; then
		mariadb-install-db --defaults-file="$d/my.cnf" --auth-root-authentication-method=socket \
			--skip-test-db >"$d/install.log" 2>&1
	fi
	chown -R mysql:mysql "$d"
	rm -f "$d/mysqld.pid"
	# The server detaches from this shell, so that the caller may end, and
	# keeps none of its descriptors (a caller's lock file, say).
	(
		for fd in $(ls "/proc/$BASHPID/fd"); do
			[ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null
		done
		exec setsid /usr/sbin/mariadbd --defaults-file="$d/my.cnf" "$@" </dev/null >>"$d/console.log" 2>&1
	) &
	for _ in $(seq 1 100); do
		[ -s "$d/mysqld.pid" ] && break
		sleep 0.1
	done
	wait_synced "$n"
}

dsns() {
	local out=() n
	for n in 1 2 3; do
		out+=("$user@tcp(127.0.0.1:$(port "$n"))/portal_test?parseTime=true&interpolateParams=true&wsrep_sync_wait=1&readTimeout=30s&writeTimeout=30s")
	done
	(
		IFS=,
		echo "${out[*]}"
	)
}

stop_node() { # stop_node N SIGNAL
	local pid
	running "$1" || return 0
	pid=$(cat "$dir/node$1/mysqld.pid")
	kill "-$2" "$pid" 2>/dev/null || return 0
	for _ in $(seq 1 300); do
		running "$1" || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
}

case ${1:-} in
start)
	if running 1 || running 2 || running 3; then
		# Nodes of the cluster are up: the others join them.
		for n in 1 2 3; do
			running "$n" || start_node "$n"
		done
	else
		rm -rf "$dir"
		mkdir -p "$dir"
		chmod 0755 "$dir"
		# A fresh cluster: the first node bootstraps it, the others join.
		start_node 1 --wsrep-new-cluster
		sql 1 "CREATE USER IF NOT EXISTS '$user'@'127.0.0.1'; GRANT ALL ON *.* TO '$user'@'127.0.0.1';
			CREATE DATABASE IF NOT EXISTS portal_test CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
		for n in 2 3; do
			start_node "$n"
		done
	fi
	for n in 1 2 3; do
		wait_synced "$n"
	done
	echo "galera: 3 nodes synced; PORTAL_TEST_GALERA_DSNS=$(dsns)"
	;;
start-node)
	n=${2:?node number}
	running "$n" || start_node "$n"
	;;
kill)
	stop_node "${2:?node number}" KILL
	;;
status)
	for n in 1 2 3; do
		if running "$n"; then
			echo "node$n: $(sql "$n" "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='WSREP_LOCAL_STATE_COMMENT'" 2>/dev/null || echo '?')"
		else
			echo "node$n: down"
		fi
	done
	;;
dsns)
	dsns
	;;
stop)
	for n in 3 2 1; do
		stop_node "$n" TERM
	done
	rm -rf "$dir"
	;;
*)
	sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
	;;
esac
