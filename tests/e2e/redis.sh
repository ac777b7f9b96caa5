# redis.sh - sourced by the shell suites that need a Redis of their own.
#
#   redis_start DIR   starts redis-server on 127.0.0.1 (and on the Unix
#                     socket DIR/redis.sock), nothing saved, log in
#                     DIR/redis.log; the first call picks a free port,
#                     later calls (a restart) keep it.  Sets redis_port
#                     and redis_pid; returns 0 once the server answers.
#   redis_stop        stops it; harmless when it is not running.
. "$(dirname "$0")/net.sh"

redis_pid=
redis_port=

redis_start() {
	if [ -z "$redis_port" ]; then
		redis_port=$(free_port)
	fi
	redis-server --port "$redis_port" --bind 127.0.0.1 \
	    --protected-mode yes --dir "$1" --save '' --appendonly no \
	    --unixsocket "$1/redis.sock" --unixsocketperm 700 \
	    --daemonize no --logfile "$1/redis.log" &
	redis_pid=$!
	i=0
	while [ $i -lt 50 ]; do
		[ "$(redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null)" \
		    = PONG ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

redis_stop() {
	if [ -n "$redis_pid" ]; then
		kill "$redis_pid" 2>/dev/null
		wait "$redis_pid" 2>/dev/null
		redis_pid=
	fi
}

# Without redis-server, redis-cli and python3 the suite cannot run: that
# is a failure to see, not a skip (scripts/install-deps installs them).
redis_require() {
	for t in redis-server redis-cli python3; do
		if ! command -v "$t" >/dev/null 2>&1; then
			echo "not ok 1 - $t is not installed" \
			    "(scripts/install-deps test installs it)"
			echo "1..1"
			exit 1
		fi
	done
}

# redis-cli against the running server.
rcli() {
	redis-cli -h 127.0.0.1 -p "$redis_port" "$@"
}
