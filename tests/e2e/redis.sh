# redis.sh - sourced by the shell suites that need a Redis of their own.
#
#   redis_start DIR   starts redis-server on 127.0.0.1 (and on the Unix
#                     socket DIR/redis.sock), nothing saved, log in
#                     DIR/redis.log; the first call picks a free port,
#                     later calls (a restart) keep it.  Sets redis_port
#                     and redis_pid; returns 0 once the server answers.
#   redis_stop        stops it; harmless when it is not running.
redis_pid=
redis_port=

redis_start() {
	if [ -z "$redis_port" ]; then
		# The kernel's choice of a free port (a small race only).
		redis_port=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
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
