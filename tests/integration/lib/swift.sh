# shellcheck shell=sh
# A real S3 store for integration tests: a single-node OpenStack Swift with
# its S3 API (s3api + tempauth), run from a private directory on free
# 127.0.0.1 ports. It checks AWS SigV4 signatures for real (wrong secret:
# 403 SignatureDoesNotMatch; body not matching its signed hash: 400
# BadDigest). Source this file (POSIX sh: dash or bash), then:
#
#   swift_start DIR   start; sets and exports
#                       SWIFT_PORT      the proxy's port
#                       SWIFT_ENDPOINT  http://127.0.0.1:PORT (path-style S3)
#                       SWIFT_BUCKET    results (created, empty)
#                       SWIFT_REGION    us-east-1
#                       SWIFT_ACCESS_KEY test:tester   (note the colon)
#                       SWIFT_SECRET_KEY testing
#                       SWIFT_DIR       DIR made absolute
#                     Returns once the store takes signed requests (bucket
#                     created; ~4 s on 2 idle CPUs, 8-12 s under load),
#                     non-zero with the logs' tails otherwise: after
#                     SWIFT_START_TIMEOUT seconds (default 30). DIR's
#                     previous store, if any, is wiped; logs are appended
#                     to DIR/log/*.log.
#   swift_stop        kill all its servers and wait until they are gone;
#                     safe to call twice or when nothing runs (EXIT trap).
#   swift_put KEY FILE    upload FILE as KEY in SWIFT_BUCKET; 0 on 200.
#   swift_get KEY OUT     download KEY into OUT; 0 on 200.
#   swift_list [PREFIX]   print the keys in SWIFT_BUCKET (under PREFIX),
#                         one a line, at most 1000; 0 on 200.
#   swift_s3 METHOD PATH [BODYFILE [OUT]]
#                     one signed request to SWIFT_ENDPOINT/PATH (PATH starts
#                     with the bucket, already URL-encoded, may carry a
#                     query string with its parameters sorted); prints the
#                     HTTP status; the response body goes to OUT (default
#                     $SWIFT_DIR/last.body). Signs with SWIFT_ACCESS_KEY and
#                     SWIFT_SECRET_KEY as they are at the call, so a test can
#                     set a wrong secret for one call.
#   The helpers print the status and the response body on stderr when they
#   fail.
#
# Needs the Debian packages swift swift-proxy swift-account swift-container
# swift-object (apt-get install --no-install-recommends), and curl. Swift's
# servers always read /etc/swift/swift.conf (the package's default is fine).
# DIR must be on a filesystem with user extended attributes (ext4, xfs,
# tmpfs all do; swift_start checks and says so otherwise). Ports: four free
# ones in 20000-32767 (proxy, account, container, object). No memcached is
# used: the proxy's cache points at 127.0.0.1:1, where nothing listens, so
# no state leaks in from a memcached someone else runs.
#
# Call the functions from the test's own shell, not in $(...) or a pipe
# (swift_start starts background children and sets variables). Stop in a
# trap, e.g.  trap 'swift_stop' EXIT; trap 'exit 1' HUP INT TERM PIPE
# (a shell killed by a signal skips its EXIT trap and would leave the
# servers running).

SWIFT_BUCKET=${SWIFT_BUCKET:-results}
SWIFT_REGION=us-east-1
SWIFT_ACCESS_KEY=test:tester
SWIFT_SECRET_KEY=testing

# swift_start DIR
swift_start() {
	if [ $# -ne 1 ] || [ -z "$1" ]; then
		echo "swift_start: usage: swift_start DIR" >&2
		return 2
	fi
	if [ -n "${_swf_pids:-}" ]; then
		echo "swift_start: already running; swift_stop first" >&2
		return 2
	fi
	for _swf_c in swift-ring-builder swift-proxy-server swift-account-server \
		swift-container-server swift-object-server curl sha256sum; do
		command -v "$_swf_c" >/dev/null 2>&1 || {
			echo "swift_start: $_swf_c not found (Debian packages: swift swift-proxy swift-account swift-container swift-object curl)" >&2
			return 2
		}
	done
	[ -r /etc/swift/swift.conf ] || {
		echo "swift_start: /etc/swift/swift.conf missing (Debian package swift ships it)" >&2
		return 2
	}
	mkdir -p "$1" || return 2
	SWIFT_DIR=$(cd "$1" && pwd) || return 2
	rm -rf "${SWIFT_DIR:?}/etc" "${SWIFT_DIR:?}/srv" "${SWIFT_DIR:?}/run"
	mkdir -p "$SWIFT_DIR/etc" "$SWIFT_DIR/srv/d1" "$SWIFT_DIR/log" \
		"$SWIFT_DIR/run" "$SWIFT_DIR/cache" || return 2
	if ! /usr/bin/python3 -c '
import os, sys
p = os.path.join(sys.argv[1], ".xattr-probe")
open(p, "w").close()
try:
    os.setxattr(p, "user.swift.probe", b"1")
finally:
    os.unlink(p)
' "$SWIFT_DIR/srv/d1" 2>"$SWIFT_DIR/log/xattr.err"; then
		echo "swift_start: $SWIFT_DIR has no user extended attributes, which Swift's object server needs; use a DIR on ext4/xfs/tmpfs:" >&2
		cat "$SWIFT_DIR/log/xattr.err" >&2
		return 1
	fi

	_swf_try=0
	while :; do
		_swf_try=$((_swf_try + 1))
		_swf_ports=$(_swf_free_ports 4) || {
			echo "swift_start: no four free ports found" >&2
			return 1
		}
		# shellcheck disable=SC2086
		set -- $_swf_ports
		SWIFT_PORT=$1 _swf_aport=$2 _swf_cport=$3 _swf_oport=$4
		_swf_write_confs
		_swf_build_rings || return 1
		_swf_launch && break
		swift_stop
		if [ "$_swf_busy" = 1 ] && [ "$_swf_try" -lt 3 ]; then
			continue # lost a race for a port: pick others
		fi
		echo "swift_start: Swift did not start ($_swf_why); logs in $SWIFT_DIR/log:" >&2
		for _swf_l in "$SWIFT_DIR"/log/*.log; do
			[ -f "$_swf_l" ] || continue
			echo "--- $_swf_l" >&2
			tail -n 15 "$_swf_l" >&2
		done
		return 1
	done
	SWIFT_ENDPOINT=http://127.0.0.1:$SWIFT_PORT
	export SWIFT_DIR SWIFT_PORT SWIFT_ENDPOINT SWIFT_BUCKET SWIFT_REGION \
		SWIFT_ACCESS_KEY SWIFT_SECRET_KEY
}

swift_stop() {
	for _swf_p in ${_swf_pids:-}; do
		kill -TERM "$_swf_p" 2>/dev/null || :
	done
	_swf_j=0
	for _swf_p in ${_swf_pids:-}; do
		while _swf_alive "$_swf_p"; do
			_swf_j=$((_swf_j + 1))
			if [ "$_swf_j" = 100 ]; then # 5 s
				for _swf_q in $_swf_pids; do kill -KILL "$_swf_q" 2>/dev/null || :; done
			fi
			if [ "$_swf_j" -gt 200 ]; then
				echo "swift_stop: process $_swf_p survives SIGKILL" >&2
				return 1
			fi
			sleep 0.05
		done
		wait "$_swf_p" 2>/dev/null || :
	done
	_swf_pids=
	return 0
}

# swift_s3 METHOD PATH [BODYFILE [OUT]]: prints the HTTP status.
swift_s3() {
	_swf_m=$1 _swf_path=${2#/} _swf_body=${3:-} _swf_out=${4:-${SWIFT_DIR:?}/last.body}
	if [ -n "$_swf_body" ]; then
		_swf_sha=$(sha256sum <"$_swf_body" | cut -d' ' -f1) || return 1
	else
		_swf_sha=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
	fi
	# The access key holds a colon, which -u would split at: give the
	# credentials percent-encoded in the URL instead. curl 7.88 signs but
	# does not send x-amz-content-sha256, which S3 requires: add it. Do not
	# add "-H Expect:" (curl 7.88 signs the removed header, as empty: 403).
	_swf_url=http://$(_swf_enc "$SWIFT_ACCESS_KEY"):$(_swf_enc "$SWIFT_SECRET_KEY")@127.0.0.1:$SWIFT_PORT/$_swf_path
	if [ -n "$_swf_body" ]; then
		curl -sS -m 30 -X "$_swf_m" --aws-sigv4 "aws:amz:$SWIFT_REGION:s3" \
			-H "x-amz-content-sha256: $_swf_sha" -T "$_swf_body" \
			-o "$_swf_out" -w '%{http_code}\n' "$_swf_url"
	else
		curl -sS -m 30 -X "$_swf_m" --aws-sigv4 "aws:amz:$SWIFT_REGION:s3" \
			-H "x-amz-content-sha256: $_swf_sha" \
			-o "$_swf_out" -w '%{http_code}\n' "$_swf_url"
	fi
}

# swift_put KEY FILE
swift_put() {
	_swf_st=$(swift_s3 PUT "$SWIFT_BUCKET/$(_swf_enc "$1" /)" "$2" "$SWIFT_DIR/put.body") || return 1
	_swf_check "swift_put $1" 200 "$SWIFT_DIR/put.body"
}

# swift_get KEY OUT
swift_get() {
	_swf_st=$(swift_s3 GET "$SWIFT_BUCKET/$(_swf_enc "$1" /)" "" "$2") || return 1
	_swf_check "swift_get $1" 200 "$2"
}

# swift_list [PREFIX]
swift_list() {
	_swf_st=$(swift_s3 GET "$SWIFT_BUCKET?list-type=2&prefix=$(_swf_enc "${1:-}")" "" \
		"$SWIFT_DIR/list.body") || return 1
	_swf_check "swift_list ${1:-}" 200 "$SWIFT_DIR/list.body" || return 1
	{ tr -d '\n' <"$SWIFT_DIR/list.body"; echo; } | sed 's/<Key>/\n&/g' |
		sed -n 's/^<Key>\([^<]*\)<\/Key>.*/\1/p' |
		sed 's/&lt;/</g; s/&gt;/>/g; s/&quot;/"/g; s/&apos;/'"'"'/g; s/&amp;/\&/g'
}

# ---------------------------------------------------------------- internals

_swf_check() { # WHAT WANT-STATUS BODYFILE
	[ "$_swf_st" = "$2" ] && return 0
	echo "$1: HTTP $_swf_st, want $2: $(head -c 600 "$3" 2>/dev/null)" >&2
	return 1
}

# _swf_enc STRING [KEEP]: percent-encodes all but A-Za-z0-9 -_.~ (and the
# characters in KEEP, e.g. "/").
_swf_enc() {
	printf '%s' "$1" | od -An -v -tx1 | tr -s ' ' '\n' | sed '/^$/d' |
		awk -v keep="${2:-}" '
			BEGIN { for (i = 32; i < 127; i++) chr[sprintf("%02x", i)] = sprintf("%c", i) }
			{
				c = chr[$1]
				if (c ~ /^[A-Za-z0-9._~-]$/ || (c != "" && index(keep, c))) printf "%s", c
				else printf "%%%s", toupper($1)
			}'
}

# _swf_alive PID: the process exists and is not a zombie.
_swf_alive() {
	_swf_st0=$(sed -n 's/^.*) \([A-Za-z]\) .*$/\1/p' "/proc/$1/stat" 2>/dev/null) || return 1
	case $_swf_st0 in
	'' | Z | X | x) return 1 ;;
	esac
	return 0
}

_swf_port_listening() {
	_swf_hex=$(printf '%04X' "$1")
	cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
		awk -v p=":$_swf_hex" '$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }'
}

# _swf_free_ports N: prints N distinct random ports in 20000-32767 (below the
# ephemeral range) that nothing listens on.
_swf_free_ports() {
	_swf_got='' _swf_n=0 _swf_k=0
	while [ "$_swf_n" -lt "$1" ]; do
		_swf_k=$((_swf_k + 1))
		[ "$_swf_k" -gt 200 ] && return 1
		_swf_p=$(( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 12768 + 20000 ))
		case " $_swf_got " in *" $_swf_p "*) continue ;; esac
		_swf_port_listening "$_swf_p" && continue
		_swf_got="$_swf_got $_swf_p" _swf_n=$((_swf_n + 1))
	done
	echo "${_swf_got# }"
}

_swf_write_confs() {
	_swf_user=$(id -un)
	for _swf_s in account container object proxy; do
		case $_swf_s in
		account) _swf_port=$_swf_aport ;;
		container) _swf_port=$_swf_cport ;;
		object) _swf_port=$_swf_oport ;;
		proxy) _swf_port=$SWIFT_PORT ;;
		esac
		cat >"$SWIFT_DIR/etc/$_swf_s-server.conf" <<EOF
# Written by tests/integration/lib/swift.sh
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $_swf_port
bind_timeout = 2
workers = 0
user = $_swf_user
swift_dir = $SWIFT_DIR/etc
devices = $SWIFT_DIR/srv
mount_check = false
disable_fallocate = true
fallocate_reserve = 0
recon_cache_path = $SWIFT_DIR/cache
log_name = $_swf_s-server
log_level = INFO
EOF
	done
	for _swf_s in account container object; do
		cat >>"$SWIFT_DIR/etc/$_swf_s-server.conf" <<EOF

[pipeline:main]
pipeline = $_swf_s-server

[app:$_swf_s-server]
use = egg:swift#$_swf_s
EOF
	done
	cat >>"$SWIFT_DIR/etc/proxy-server.conf" <<EOF

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo versioned_writes proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:s3api]
use = egg:swift#s3api
location = $SWIFT_REGION

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:1

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:gatekeeper]
use = egg:swift#gatekeeper

[filter:healthcheck]
use = egg:swift#healthcheck

[filter:proxy-logging]
use = egg:swift#proxy_logging

[filter:listing_formats]
use = egg:swift#listing_formats

[filter:copy]
use = egg:swift#copy

[filter:slo]
use = egg:swift#slo

[filter:dlo]
use = egg:swift#dlo

[filter:versioned_writes]
use = egg:swift#versioned_writes
EOF
}

# Builds the three rings (part power 6, 1 replica, one device d1 each) with
# swift-ring-builder's own code: "create 6 1 1", "add r1z1-127.0.0.1:PORT/d1
# 1", "rebalance" for each ring, all nine commands in one python process
# (0.8 s; nine swift-ring-builder runs take 6.5 s of CPU).
_swf_build_rings() {
	rm -rf "${SWIFT_DIR:?}"/etc/*.builder "${SWIFT_DIR:?}"/etc/*.ring.gz "${SWIFT_DIR:?}/etc/backups"
	/usr/bin/python3 - "$SWIFT_DIR/etc" "$_swf_aport" "$_swf_cport" "$_swf_oport" \
		>"$SWIFT_DIR/log/rings.out" 2>&1 <<'EOF' || {
import sys
from swift.cli.ringbuilder import main
etc = sys.argv[1]
for name, port in zip(("account", "container", "object"), sys.argv[2:5]):
    builder = "%s/%s.builder" % (etc, name)
    for args in (["create", "6", "1", "1"],
                 ["add", "r1z1-127.0.0.1:%s/d1" % port, "1"],
                 ["rebalance"]):
        try:
            main(["swift-ring-builder", builder] + args)
            rc = 0
        except SystemExit as e:
            rc = e.code or 0
        if rc not in (0, 1):  # 1: done, with warnings
            sys.exit("swift-ring-builder %s %s: exit %s"
                     % (builder, " ".join(args), rc))
EOF
		echo "swift_start: building the rings failed:" >&2
		cat "$SWIFT_DIR/log/rings.out" >&2
		return 1
	}
}

# Starts the four servers, waits (up to SWIFT_START_TIMEOUT, default 30 s)
# until each answers HTTP and
# the bucket is created. Sets _swf_pids; on failure sets _swf_why, and
# _swf_busy=1 if a port was taken.
_swf_launch() {
	_swf_busy=0 _swf_pids='' _swf_why=''
	for _swf_p in $SWIFT_PORT $_swf_aport $_swf_cport $_swf_oport; do
		if _swf_port_listening "$_swf_p"; then
			_swf_busy=1 _swf_why="port $_swf_p in use"
			return 1
		fi
	done
	for _swf_s in account container object proxy; do
		"swift-$_swf_s-server" "$SWIFT_DIR/etc/$_swf_s-server.conf" -v \
			</dev/null >>"$SWIFT_DIR/log/$_swf_s.log" 2>&1 &
		_swf_pids="$_swf_pids $!"
		echo "$!" >"$SWIFT_DIR/run/$_swf_s.pid"
	done
	_swf_limit=$(( $(date +%s) + ${SWIFT_START_TIMEOUT:-30} ))
	while :; do
		if [ "$(date +%s)" -gt "$_swf_limit" ]; then
			_swf_why="not ready after ${SWIFT_START_TIMEOUT:-30} s"
			return 1
		fi
		for _swf_p in $_swf_pids; do
			if ! _swf_alive "$_swf_p"; then
				grep -qs 'Address already in use\|Could not bind' "$SWIFT_DIR"/log/*.log && _swf_busy=1
				_swf_why="a server exited"
				return 1
			fi
		done
		_swf_up=1
		for _swf_p in $_swf_aport $_swf_cport $_swf_oport; do
			[ "$(curl -s -o /dev/null -m 1 -w '%{http_code}' "http://127.0.0.1:$_swf_p/")" = 000 ] &&
				{ _swf_up=0; break; }
		done
		if [ "$_swf_up" = 1 ] &&
			[ "$(curl -s -m 1 "http://127.0.0.1:$SWIFT_PORT/healthcheck")" = OK ]; then
			_swf_st=$(swift_s3 PUT "$SWIFT_BUCKET" "" "$SWIFT_DIR/bucket.body" 2>/dev/null) || _swf_st=000
			[ "$_swf_st" = 200 ] && return 0
		fi
		sleep 0.1
	done
}
