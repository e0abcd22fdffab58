# shellcheck shell=sh
# A real HTTP PUT origin for integration tests: Debian's nginx (built with
# the DAV module) run in the foreground from a private directory on a free
# 127.0.0.1 port. Source this file (POSIX sh: dash or bash), then:
#
#   nginx_start DIR TOKEN   start; sets and exports
#                             NGINX_PORT  the port
#                             NGINX_URL   http://127.0.0.1:PORT/results/
#                             NGINX_ROOT  DIR/www/results, where uploads land
#                             NGINX_FAIL_URL  http://127.0.0.1:PORT/fail500/
#                             NGINX_SLOW_URL  http://127.0.0.1:PORT/slow/
#                           and NGINX_DIR, NGINX_PID. Returns once nginx
#                           answers (~0.1 s; gives up after
#                           NGINX_START_TIMEOUT s, default 5), non-zero with
#                           the error log on stderr otherwise. Logs are in
#                           DIR/logs (access.log, error.log).
#   nginx_stop              stop it (SIGQUIT, SIGKILL after 5 s) and wait
#                           until every process is gone; safe to call twice
#                           or when nothing runs (use it in an EXIT trap).
#   nginx_pause             stop nginx so the port refuses connections...
#   nginx_resume            ...and start it again on the same port and
#                           config (fails clearly if the port was taken).
#
# What it serves (DIR/www is the document root):
#   /results/  GET/HEAD for anyone; PUT/DELETE only with the header
#              "Authorization: Bearer TOKEN", otherwise 401. PUT creates
#              missing directories, answers 201 (new) or 204 (replaced).
#              nginx ignores If-None-Match on PUT. Bodies up to 64 MB.
#   /fail500/  any request gets 500.
#   /slow/     any request is proxied to a listener (a perl one-liner
#              holding a listening socket that accepts and never answers),
#              so the client hears nothing for NGINX_SLOW_SECONDS (default
#              30, read at nginx_start), then 504.
#
# Call the functions from the test's own shell, not in $(...) or a pipe:
# they start background children and set variables. Stop everything in a
# trap, e.g.  trap 'nginx_stop' EXIT; trap 'exit 1' HUP INT TERM PIPE
# (a shell killed by a signal skips its EXIT trap and would leave nginx
# running). TOKEN may hold only letters, digits
# and . _ ~ + / = - (it is written into the config). Running as root (CI
# may) adds "user root;" through -g, or the workers could not write and
# PUT would fail with a misleading 500.

# nginx_start DIR TOKEN
nginx_start() {
	if [ $# -ne 2 ] || [ -z "$1" ] || [ -z "$2" ]; then
		echo "nginx_start: usage: nginx_start DIR TOKEN" >&2
		return 2
	fi
	case $2 in
	*[!A-Za-z0-9._~+/=-]*)
		echo "nginx_start: TOKEN may hold only letters, digits and ._~+/=-" >&2
		return 2 ;;
	esac
	if [ -n "${NGINX_PID:-}" ]; then
		echo "nginx_start: already running (pid $NGINX_PID); nginx_stop first" >&2
		return 2
	fi
	for _ngx_c in nginx curl perl; do
		command -v "$_ngx_c" >/dev/null 2>&1 || {
			echo "nginx_start: $_ngx_c not found (Debian package: $_ngx_c)" >&2
			return 2
		}
	done
	mkdir -p "$1" || return 2
	NGINX_DIR=$(cd "$1" && pwd) || return 2
	mkdir -p "$NGINX_DIR/conf" "$NGINX_DIR/logs" "$NGINX_DIR/tmp" \
		"$NGINX_DIR/www/results" "$NGINX_DIR/www/fail500" || return 2
	NGINX_ROOT=$NGINX_DIR/www/results
	_ngx_token=$2
	_ngx_slow=${NGINX_SLOW_SECONDS:-30}
	_ngx_nonce=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')

	# The listener behind /slow/: the kernel picks its port.
	rm -f "$NGINX_DIR/logs/hole.port"
	perl -MIO::Socket::INET -e '
		my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
			LocalPort => 0, Listen => 128, ReuseAddr => 1)
			or die "listen: $!\n";
		open(my $f, ">", "$ARGV[0].new") or die "$ARGV[0]: $!\n";
		print $f $s->sockport, "\n";
		close $f;
		rename("$ARGV[0].new", $ARGV[0]) or die "rename: $!\n";
		my @held;
		while (1) { my $c = $s->accept; push @held, $c if $c; }
	' "$NGINX_DIR/logs/hole.port" </dev/null >"$NGINX_DIR/logs/hole.log" 2>&1 &
	_ngx_hole_pid=$!
	_ngx_i=0
	while [ ! -s "$NGINX_DIR/logs/hole.port" ]; do
		_ngx_i=$((_ngx_i + 1))
		if [ "$_ngx_i" -gt 100 ] || ! _ngx_alive "$_ngx_hole_pid"; then
			echo "nginx_start: the /slow/ listener did not start:" >&2
			cat "$NGINX_DIR/logs/hole.log" >&2
			_ngx_kill_wait "$_ngx_hole_pid"
			_ngx_hole_pid=
			return 1
		fi
		sleep 0.05
	done
	_ngx_hole_port=$(cat "$NGINX_DIR/logs/hole.port")

	_ngx_try=0
	while :; do
		_ngx_try=$((_ngx_try + 1))
		NGINX_PORT=$(_ngx_free_port) || { _ngx_fail_start "no free port found"; return 1; }
		_ngx_write_conf
		if _ngx_launch; then
			break
		fi
		if [ "$_ngx_busy" = 1 ] && [ "$_ngx_try" -lt 10 ]; then
			continue # lost a race for the port: pick another
		fi
		_ngx_fail_start "nginx did not start on port $NGINX_PORT"
		return 1
	done
	NGINX_URL=http://127.0.0.1:$NGINX_PORT/results/
	NGINX_FAIL_URL=http://127.0.0.1:$NGINX_PORT/fail500/
	NGINX_SLOW_URL=http://127.0.0.1:$NGINX_PORT/slow/
	export NGINX_DIR NGINX_PID NGINX_PORT NGINX_URL NGINX_ROOT NGINX_FAIL_URL NGINX_SLOW_URL
}

nginx_stop() {
	if [ -n "${NGINX_PID:-}" ]; then
		_ngx_stop_nginx
	fi
	if [ -n "${_ngx_hole_pid:-}" ]; then
		_ngx_kill_wait "$_ngx_hole_pid"
		_ngx_hole_pid=
	fi
	return 0
}

nginx_pause() {
	if [ -z "${NGINX_PID:-}" ]; then
		echo "nginx_pause: nginx is not running" >&2
		return 1
	fi
	_ngx_stop_nginx
}

nginx_resume() {
	if [ -n "${NGINX_PID:-}" ]; then
		echo "nginx_resume: nginx is already running (pid $NGINX_PID)" >&2
		return 1
	fi
	if [ -z "${NGINX_PORT:-}" ] || [ ! -f "${NGINX_DIR:-}/conf/nginx.conf" ]; then
		echo "nginx_resume: no paused nginx (call nginx_start first)" >&2
		return 1
	fi
	if ! _ngx_launch; then
		if [ "$_ngx_busy" = 1 ]; then
			echo "nginx_resume: port $NGINX_PORT is now in use by something else" >&2
		else
			echo "nginx_resume: nginx did not come back on port $NGINX_PORT:" >&2
			tail -n 20 "$NGINX_DIR/logs/error.log" >&2
		fi
		return 1
	fi
	export NGINX_PID
}

# ---------------------------------------------------------------- internals

# _ngx_alive PID: the process exists and is not a zombie.
_ngx_alive() {
	_ngx_st=$(sed -n 's/^.*) \([A-Za-z]\) .*$/\1/p' "/proc/$1/stat" 2>/dev/null) || return 1
	case $_ngx_st in
	'' | Z | X | x) return 1 ;;
	esac
	return 0
}

# _ngx_kill_wait PID [SIGNAL]: signal (default TERM), SIGKILL after 5 s,
# return once the process is gone or a zombie, then reap it if it is ours.
_ngx_kill_wait() {
	kill "-${2:-TERM}" "$1" 2>/dev/null || :
	_ngx_j=0
	while _ngx_alive "$1"; do
		_ngx_j=$((_ngx_j + 1))
		[ "$_ngx_j" = 100 ] && { kill -KILL "$1" 2>/dev/null || :; }
		if [ "$_ngx_j" -gt 200 ]; then
			echo "nginx: process $1 survives SIGKILL" >&2
			return 1
		fi
		sleep 0.05
	done
	wait "$1" 2>/dev/null || :
	return 0
}

# Stops the nginx master and its workers, leaves the /slow/ listener.
_ngx_stop_nginx() {
	_ngx_workers=$(pgrep -P "$NGINX_PID" 2>/dev/null || :)
	_ngx_kill_wait "$NGINX_PID" QUIT
	# Workers of a master that needed SIGKILL are orphans: end them too.
	for _ngx_w in $_ngx_workers; do
		if _ngx_alive "$_ngx_w"; then _ngx_kill_wait "$_ngx_w" KILL || :; fi
	done
	NGINX_PID=
}

# _ngx_port_listening PORT: something listens on PORT (any address).
_ngx_port_listening() {
	_ngx_hex=$(printf '%04X' "$1")
	cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
		awk -v p=":$_ngx_hex" '$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }'
}

# Prints a random port in 20000-32767 (below the ephemeral range) that
# nothing listens on.
_ngx_free_port() {
	_ngx_k=0
	while [ "$_ngx_k" -lt 50 ]; do
		_ngx_k=$((_ngx_k + 1))
		_ngx_p=$(( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 12768 + 20000 ))
		_ngx_port_listening "$_ngx_p" || { echo "$_ngx_p"; return 0; }
	done
	return 1
}

_ngx_write_conf() {
	cat >"$NGINX_DIR/conf/nginx.conf" <<EOF
# Written by tests/integration/lib/nginx.sh; run with
#   nginx -p $NGINX_DIR/ -c conf/nginx.conf -e logs/error.log
daemon off;
master_process on;
worker_processes 1;
pid logs/nginx.pid;
error_log logs/error.log notice;
events { worker_connections 256; }
http {
	default_type application/octet-stream;
	types {
		application/json json;
		text/csv csv;
		text/plain txt;
	}
	access_log logs/access.log;
	client_body_temp_path tmp/body;
	proxy_temp_path tmp/proxy;
	fastcgi_temp_path tmp/fastcgi;
	uwsgi_temp_path tmp/uwsgi;
	scgi_temp_path tmp/scgi;
	client_max_body_size 64m;
	sendfile off;

	# Reads are public; writes need the bearer token.
	map "\$request_method:\$http_authorization" \$deny_write {
		default 1;
		"~^(GET|HEAD):" 0;
		"PUT:Bearer $_ngx_token" 0;
		"DELETE:Bearer $_ngx_token" 0;
	}
	upstream never_answers { server 127.0.0.1:$_ngx_hole_port; }

	server {
		listen 127.0.0.1:$NGINX_PORT;
		root www;
		location = /_ready { return 200 "$_ngx_nonce\n"; }
		location /results/ {
			if (\$deny_write) { return 401; }
			dav_methods PUT DELETE;
			create_full_put_path on;
			dav_access user:rw group:r all:r;
			autoindex on;
		}
		location /fail500/ { return 500; }
		location /slow/ {
			proxy_pass http://never_answers;
			proxy_connect_timeout 5s;
			proxy_send_timeout ${_ngx_slow}s;
			proxy_read_timeout ${_ngx_slow}s;
		}
	}
}
EOF
}

# Starts nginx on NGINX_PORT with the written config and waits (up to
# NGINX_START_TIMEOUT seconds, default 5) until it answers /_ready with this instance's nonce. Sets NGINX_PID; on
# failure stops what it started and sets _ngx_busy=1 if the port was taken.
_ngx_launch() {
	_ngx_busy=0
	if _ngx_port_listening "$NGINX_PORT"; then
		_ngx_busy=1
		return 1
	fi
	_ngx_lines=$(wc -l 2>/dev/null <"$NGINX_DIR/logs/error.log" || echo 0)
	if [ "$(id -u)" = 0 ]; then
		nginx -p "$NGINX_DIR/" -c conf/nginx.conf -e logs/error.log -g 'user root;' \
			</dev/null >>"$NGINX_DIR/logs/stdout.log" 2>&1 &
	else
		nginx -p "$NGINX_DIR/" -c conf/nginx.conf -e logs/error.log \
			</dev/null >>"$NGINX_DIR/logs/stdout.log" 2>&1 &
	fi
	NGINX_PID=$!
	_ngx_limit=$(( $(date +%s) + ${NGINX_START_TIMEOUT:-5} ))
	while [ "$(date +%s)" -le "$_ngx_limit" ]; do
		if [ "$(curl -s -m 1 "http://127.0.0.1:$NGINX_PORT/_ready" 2>/dev/null)" = "$_ngx_nonce" ]; then
			return 0
		fi
		if tail -n "+$((_ngx_lines + 1))" "$NGINX_DIR/logs/error.log" 2>/dev/null |
			grep -q 'Address already in use'; then
			_ngx_busy=1
			break
		fi
		_ngx_alive "$NGINX_PID" || break
		sleep 0.05
	done
	_ngx_stop_nginx
	return 1
}

_ngx_fail_start() {
	echo "nginx_start: $1; error log $NGINX_DIR/logs/error.log:" >&2
	tail -n 20 "$NGINX_DIR/logs/error.log" >&2 2>/dev/null
	cat "$NGINX_DIR/logs/stdout.log" >&2 2>/dev/null
	nginx_stop
}
