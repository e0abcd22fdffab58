#!/bin/sh
# `warroom ingest DIR --follow` on a spool directory: a file written in
# place is taken only once complete (not while its last line is partial, not
# while it grows), a file renamed in is taken, a file with a bad record goes
# to failed/ with its .errors, a second follower is refused, SIGTERM ends it
# with 0. Then the sample night split into files is followed and killed -9
# again and again while it works; after a final run the store holds exactly
# what a one-shot ingest of the night stores, the spool is empty and every
# file is in done/ once.
# Env: WARROOM, ROOT, WORK (see tests/run.sh).
set -u
: "${WARROOM:?}" "${ROOT:?}" "${WORK:?}"
night=$ROOT/fixtures/iowa/nights/sample.ndjson
export WARROOM_NOW=2024-01-16T06:00:00Z
failures=0
pid=""

ok() { echo "ok - $*"; }
bad() { echo "not ok - $*"; failures=$((failures + 1)); }
die() { echo "not ok - $*"; exit 1; }

cleanup() {
	if [ -n "$pid" ]; then
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM PIPE

# Polls a condition every 0.1 s, at most $1 times.
wait_for() { # tries command...
	_n=$1
	shift
	while [ "$_n" -gt 0 ]; do
		"$@" && return 0
		_n=$((_n - 1))
		sleep 0.1
	done
	return 1
}

q() { sqlite3 "$1" "$2"; }
tallies() { q "$1" "SELECT count(*) FROM submissions"; }
exists() { [ -e "$1" ]; }
# Exited (a zombie counts: kill -0 would still see it).
finished() {
	_st=$(sed -n 's/^.*) \([A-Za-z]\) .*$/\1/p' "/proc/$1/stat" 2>/dev/null)
	case $_st in '' | Z | X | x) return 0 ;; esac
	return 1
}
# Candidate files still waiting in a spool (not dot names, not done/failed).
waiting() { find "$1" -maxdepth 1 -type f ! -name '.*' | wc -l; }
spool_empty() { [ "$(waiting "$1")" = 0 ]; }

started() {
	_c=$(grep -c '^spool: following' "$1" 2>/dev/null)
	[ "${_c:-0}" -gt "$2" ]
}

# Starts a follower in the background (pid) and waits until it says it is
# following, so its signal handlers are in place.
follow() { # db dir log [options...]
	_db=$1 _dir=$2 _log=$3
	shift 3
	_before=$(grep -c '^spool: following' "$_log" 2>/dev/null)
	"$WARROOM" ingest --db "$_db" "$@" --follow "$_dir" >>"$_log.out" 2>>"$_log" &
	pid=$!
	wait_for 50 started "$_log" "${_before:-0}" ||
		die "the follower did not start: $(cat "$_log")"
}

# Sends TERM and sets rc to the follower's exit status, or 124 when it is
# still running 10 s later (then it is killed).
stop_follower() {
	kill -TERM "$pid" 2>/dev/null
	if wait_for 100 finished "$pid"; then
		wait "$pid"
		rc=$?
	else
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		rc=124
	fi
	pid=""
}

"$WARROOM" init --db "$WORK/init.db" --fixtures "$ROOT/fixtures/iowa" >/dev/null ||
	die "init failed"

# ------------------------------------------------------------- usage
"$WARROOM" ingest --db "$WORK/init.db" --follow "$WORK" "$WORK" 2>/dev/null
rc=$?
[ "$rc" = 1 ] && ok "--follow takes exactly one directory (two: exit 1)" ||
	bad "--follow with two operands exited $rc, want 1"
"$WARROOM" ingest --db "$WORK/init.db" --follow "$night" 2>"$WORK/notdir.err"
rc=$?
[ "$rc" = 1 ] && grep -q "not a directory" "$WORK/notdir.err" &&
	ok "--follow on a file is refused (exit 1, \"not a directory\")" ||
	bad "--follow on a file exited $rc: $(cat "$WORK/notdir.err")"

# ------------------------------------------------------------- live spool
cp "$WORK/init.db" "$WORK/live.db"
spool=$WORK/spool
mkdir "$spool"
log=$WORK/live.err
follow "$WORK/live.db" "$spool" "$log"
[ -d "$spool/done" ] && [ -d "$spool/failed" ] && ok "done/ and failed/ are made on start" ||
	bad "done/ or failed/ missing"

# A second follower of the same directory is refused.
"$WARROOM" ingest --db "$WORK/live.db" --follow "$spool" 2>"$WORK/second.err" >/dev/null &
second=$!
if wait_for 50 finished "$second"; then
	wait "$second"
	rc=$?
	[ "$rc" = 3 ] && grep -q "another process is following" "$WORK/second.err" &&
		ok "a second follower of the spool is refused (exit 3)" ||
		bad "a second follower exited $rc: $(cat "$WORK/second.err")"
else
	kill -9 "$second" 2>/dev/null
	wait "$second" 2>/dev/null
	bad "a second follower of the same spool kept running"
fi

# Written in place: 99 lines and half of the 100th, then a pause longer
# than the settle period (2 s). The half line must not be read.
head -n 100 "$night" >"$WORK/inplace.src"
head -n 99 "$WORK/inplace.src" >"$spool/010-inplace.ndjson"
sed -n 100p "$WORK/inplace.src" | head -c 60 >>"$spool/010-inplace.ndjson"
sleep 3
if exists "$spool/010-inplace.ndjson" && [ "$(tallies "$WORK/live.db")" = 0 ] &&
	grep -q "010-inplace.ndjson: waiting: its last line has no newline yet" "$log"; then
	ok "a file whose last line is partial waits (none of it read after 3 s)"
else
	bad "a partial file was read: $(tallies "$WORK/live.db") tallies; $(tail -n 3 "$log")"
fi
# The writer finishes the line and goes on in bursts shorter than the
# settle period: nothing is taken until it stops.
sed -n 100p "$WORK/inplace.src" | tail -c +61 >>"$spool/010-inplace.ndjson"
for from in 101 141 181 221; do
	sleep 0.5
	sed -n "${from},$((from + 39))p" "$night" >>"$spool/010-inplace.ndjson"
	[ -e "$spool/010-inplace.ndjson" ] || break
done
if exists "$spool/010-inplace.ndjson" && [ "$(tallies "$WORK/live.db")" = 0 ]; then
	ok "a file still being written is left alone"
else
	bad "a file was taken while being written ($(tallies "$WORK/live.db") tallies)"
fi
if wait_for 100 exists "$spool/done/010-inplace.ndjson" &&
	[ "$(tallies "$WORK/live.db")" = 260 ] && ! exists "$spool/010-inplace.ndjson"; then
	ok "once settled it is read whole (260 tallies) and moved to done/"
else
	bad "in-place file: $(tallies "$WORK/live.db") tallies, $(ls "$spool" "$spool/done" | tr '\n' ' ')"
fi
grep -q "^spool: 010-inplace.ndjson: 260 accepted, 0 duplicate, 0 revised, 0 unmatched, 0 quarantined -> done$" "$log" &&
	ok "the operator's log names the file, its counts and where it went" ||
	bad "no log line for 010-inplace.ndjson: $(grep '^spool' "$log")"

# Written under a dot name and a .tmp name, then renamed in.
sed -n '261,400p' "$night" >"$spool/.020-renamed.ndjson"
sed -n '401,500p' "$night" >"$spool/030-renamed.ndjson.tmp"
sleep 2.5
if exists "$spool/.020-renamed.ndjson" && exists "$spool/030-renamed.ndjson.tmp" &&
	[ "$(tallies "$WORK/live.db")" = 260 ]; then
	ok "dot names and .tmp names are never read"
else
	bad "a dot or .tmp file was read ($(tallies "$WORK/live.db") tallies)"
fi
mv "$spool/.020-renamed.ndjson" "$spool/020-renamed.ndjson"
mv "$spool/030-renamed.ndjson.tmp" "$spool/030-renamed.ndjson"
if wait_for 100 exists "$spool/done/030-renamed.ndjson" && exists "$spool/done/020-renamed.ndjson" &&
	[ "$(tallies "$WORK/live.db")" = 500 ]; then
	ok "files renamed into the spool are read and moved to done/ (500 tallies)"
else
	bad "renamed files: $(tallies "$WORK/live.db") tallies; $(ls "$spool" "$spool/done" | tr '\n' ' ')"
fi

# A file with a bad record: the good ones are kept, the file goes to
# failed/ with one line per problem naming line and field.
{
	sed -n 501p "$night"
	sed -n 502p "$night" | sed 's/"desantis":[0-9]*/"desantis":-4/'
	echo '{"submission_id": "x-1", oops'
	sed -n 503p "$night"
} >"$WORK/bad.tmp"
mv "$WORK/bad.tmp" "$spool/040-bad.ndjson"
if wait_for 100 exists "$spool/failed/040-bad.ndjson" && exists "$spool/failed/040-bad.ndjson.errors"; then
	errs=$spool/failed/040-bad.ndjson.errors
	if [ "$(wc -l <"$errs")" = 2 ] &&
		grep -q "/spool/040-bad.ndjson:2: quarantined: votes.desantis: " "$errs" &&
		grep -q "/spool/040-bad.ndjson:3: quarantined: not valid JSON" "$errs" &&
		[ "$(tallies "$WORK/live.db")" = 502 ]; then
		ok "a file with bad records goes to failed/ with .errors naming line and field; its good records are kept"
	else
		bad "failed/040-bad.ndjson.errors: $(cat "$errs"); $(tallies "$WORK/live.db") tallies"
	fi
else
	bad "040-bad.ndjson not in failed/: $(ls "$spool" "$spool/failed" | tr '\n' ' ')"
fi
grep -q "^spool: 040-bad.ndjson: 2 accepted, 0 duplicate, 0 revised, 0 unmatched, 2 quarantined -> failed$" "$log" ||
	bad "no failed log line: $(grep '^spool' "$log" | tail -n 2)"

# The same name again does not overwrite the first.
sed -n 504p "$night" >"$WORK/again.tmp"
mv "$WORK/again.tmp" "$spool/010-inplace.ndjson"
if wait_for 100 exists "$spool/done/010-inplace.ndjson.1" &&
	[ "$(wc -l <"$spool/done/010-inplace.ndjson")" = 260 ]; then
	ok "a name already in done/ gets a suffix (010-inplace.ndjson.1)"
else
	bad "same name again: $(ls "$spool/done" | tr '\n' ' ')"
fi

# SIGTERM ends it with 0 and a summary.
stop_follower
if [ "$rc" = 0 ] && grep -q "^spool: stopped; files: 4 done, 1 failed$" "$log" &&
	grep -q "^ingest: 503 accepted, 0 duplicate, 0 revised, 0 unmatched, 2 quarantined$" "$log.out"; then
	ok "SIGTERM ends the follower with exit 0 and a summary"
else
	bad "after SIGTERM: exit $rc; $(tail -n 2 "$log"); $(cat "$log.out")"
fi
[ "$(waiting "$spool")" = 0 ] && ok "nothing is left in the live spool" ||
	bad "left in the spool: $(ls "$spool")"

# ------------------------------------------------------------- kill -9
# The sample night and a resend of it under new ids (every precinct gets a
# second revision, so the order files are read in matters), split into
# files of 700 records (intake commits a file in batches of 512, so a kill
# can also land between two commits of one file).
{
	cat "$night"
	sed 's/"submission_id":"/"submission_id":"r-/' "$night"
} >"$WORK/night2.ndjson"
# The reference: one ingest of it all into another store.
cp "$WORK/init.db" "$WORK/ref.db"
"$WARROOM" ingest --db "$WORK/ref.db" "$WORK/night2.ndjson" >/dev/null 2>&1 ||
	die "reference ingest failed"
snapshot() { # db
	q "$1" "SELECT s.submission_id, hex(s.content_hash), s.revision,
	               (SELECT submission_id FROM submissions o WHERE o.id = s.supersedes), s.state
	          FROM submissions s ORDER BY s.submission_id"
}
snapshot "$WORK/ref.db" >"$WORK/ref.snap"
want=$(tallies "$WORK/ref.db")

cp "$WORK/init.db" "$WORK/crash.db"
spool=$WORK/crash
mkdir "$spool"
split -l 700 -d -a 2 --additional-suffix=.ndjson "$WORK/night2.ndjson" "$spool/night-"
nfiles=$(waiting "$spool")
log=$WORK/crash.err
landed=0
# Past $1 tallies in the store, or the spool is empty.
passed() {
	[ "$(tallies "$WORK/crash.db")" -ge "$1" ] || spool_empty "$spool"
}
for at in 300 900 1500 2100 2700 3300; do
	follow "$WORK/crash.db" "$spool" "$log" --settle 0
	wait_for 300 passed "$at"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=""
	if ! spool_empty "$spool"; then
		landed=$((landed + 1))
	fi
	r=$(q "$WORK/crash.db" "PRAGMA integrity_check")
	[ "$r" = ok ] || bad "integrity after the kill past $at: $r"
	# Moved means committed: every record of a file in done/ is stored.
	in_done=$(cat "$spool"/done/* 2>/dev/null | wc -l)
	[ "$in_done" -le "$(tallies "$WORK/crash.db")" ] ||
		bad "after the kill past $at: done/ holds $in_done records, the store $(tallies "$WORK/crash.db")"
	[ $(($(waiting "$spool") + $(ls "$spool/done" | wc -l))) = "$nfiles" ] ||
		bad "after the kill past $at: files lost or doubled: $(ls "$spool" "$spool/done" | tr '\n' ' ')"
done
[ "$landed" -ge 2 ] && ok "$landed of 6 kill -9 landed while files were left in the spool" ||
	bad "only $landed of 6 kills landed while files remained"

follow "$WORK/crash.db" "$spool" "$log"
wait_for 200 spool_empty "$spool" || bad "the spool did not empty after the kills: $(ls "$spool")"
stop_follower
[ "$rc" = 0 ] || bad "the last follower exited $rc"
snapshot "$WORK/crash.db" >"$WORK/crash.snap"
got=$(tallies "$WORK/crash.db")
if [ "$got" = "$want" ] && cmp -s "$WORK/ref.snap" "$WORK/crash.snap"; then
	ok "after the kills the store holds $got tallies, the same as a one-shot ingest (ids, content, revisions)"
else
	bad "after the kills: $got tallies, want $want"
	diff "$WORK/ref.snap" "$WORK/crash.snap" | head -n 10
fi
q "$WORK/crash.db" "SELECT count(*) FROM quarantine" | grep -qx 0 || bad "quarantined records after the kills"
if [ "$(waiting "$spool")" = 0 ] && [ "$(ls "$spool/done" | wc -l)" = "$nfiles" ] &&
	[ "$(ls "$spool/failed" | wc -l)" = 0 ] &&
	[ "$(cd "$spool/done" && ls | sort | tr '\n' ' ')" = "$(cd "$spool/done" && ls night-*.ndjson | sort | tr '\n' ' ')" ]; then
	ok "every one of the $nfiles files is in done/ once, under its own name; none failed"
else
	bad "spool after the kills: $(ls -R "$spool" | tr '\n' ' ')"
fi

# A kill between the commit and the move leaves a file read but not moved:
# as if that happened, put one back. Read again, it doubles nothing.
cp "$spool/done/night-02.ndjson" "$spool/night-02.ndjson"
follow "$WORK/crash.db" "$spool" "$log" --settle 0
wait_for 100 exists "$spool/done/night-02.ndjson.1"
stop_follower
if [ "$rc" = 0 ] && [ "$(tallies "$WORK/crash.db")" = "$want" ] &&
	grep -q "^spool: night-02.ndjson: 0 accepted, 700 duplicate, 0 revised, 0 unmatched, 0 quarantined -> done (as night-02.ndjson.1)$" "$log"; then
	ok "a file read again after a kill before its move finds 700 duplicates and doubles nothing"
else
	bad "read again: exit $rc, $(tallies "$WORK/crash.db") tallies (want $want); $(grep '^spool: night-02' "$log" | tail -n 1)"
fi

[ "$failures" = 0 ] || exit 1
