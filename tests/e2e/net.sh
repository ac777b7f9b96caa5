# net.sh - sourced by the shell suites: ports on 127.0.0.1 for the
# servers a test starts itself.
#
#   free_port [udp|tcp]     a port the kernel just handed out (TCP by
#                           default; a small race: it is free again when
#                           the caller's server binds it)
#   free_ports N            N distinct TCP ports, held together while
#                           chosen, on one line
#   wait_port [ADDR] PORT   waits up to about 10 s for a TCP listener at
#                           ADDR (127.0.0.1) PORT; non-zero if none came
net_py=/usr/bin/python3

free_port() {
	"$net_py" -c 'import socket, sys
s = socket.socket(socket.AF_INET,
    socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])' "${1:-tcp}"
}

free_ports() {
	"$net_py" -c 'import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))' "$1"
}

wait_port() {
	[ $# -eq 1 ] && set -- 127.0.0.1 "$1"
	"$net_py" -c 'import socket, sys, time
for i in range(100):
    try:
        socket.create_connection((sys.argv[1], int(sys.argv[2])), 0.2).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)' "$1" "$2"
}
