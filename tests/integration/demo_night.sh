#!/bin/sh
# `warroom demo`: a whole simulated caucus night on one machine, on the real
# clock (WARROOM_NOW is not set: the assistants approve tallies that waited
# real seconds). Checks that
#  1. headless (--no-console, --speed 600: 2h45m of night in about 17 s)
#     the demo exits 0 within 60 s, printing the store, feed, published and
#     users lines, the "demo night: ..." summary and "published: open
#     DIR/public/latest.json", and nothing on stderr; latest.json names the
#     newest batch of the store's batches table, its directory holds
#     results.json (of that batch) and a manifest.json whose SHA-256 is the
#     one the store recorded; every batch is in DIR/public (the pusher's
#     cursor is at the end of the outbox); batch 1 is the zeroes batch and
#     at least one batch followed it. Every distinct submission_id in the
#     feed pages (DIR/feed/page-*.json; a resend repeats an id) is either
#     stored exactly once or quarantined: the store's submission_ids are a
#     subset of the feed's and count(submissions) + count(quarantine) is
#     the number of distinct ids; the summary counts as many tallies.
#     feed_cursors stands on the last page, at its last record, with every
#     earlier page read to its end and every record (resends included)
#     taken in. Each of assist1..4 approved tallies (approvals and
#     decisions), nobody else did, and no tally with a row in flags (but
#     a later second look's) was approved or decided by an assistant (the night has flagged tallies,
#     left waiting for people). audit verify and PRAGMA integrity_check
#     pass, and no process of the run is left;
#  2. a rerun in the same DIR (--for 5) exits 0 with a fresh store: fewer
#     submissions than the full night, batch 1 the zeroes batch, eight
#     users, and DIR/public holding only the new run's batches;
#  3. a DIR holding a store made by `warroom init` (no .warroom-demo
#     marker) is refused with exit 2 and a message naming DIR, and nothing
#     in DIR changes (same files, same checksums);
#  4. SIGKILL to the demo while it runs headless (--speed 60, children
#     pulling) leaves no child running within 3 s (PR_SET_PDEATHSIG), and
#     the store passes audit verify and PRAGMA integrity_check;
#  5. on a terminal (tmux 80x24, TERM=xterm-256color, LANG=C.UTF-8) the
#     demo opens the console's sign-in screen; val1 / 1111 signs in to the
#     Queue, whose heading count rises above 0 as tallies arrive; Tab, Tab
#     to the Board; q leaves the console, and the pane shows the summary
#     and "published: open .../latest.json", the demo exits 0 with the
#     terminal off the alternate screen, no child is left, val1 holds no
#     claim and latest.json names the store's newest batch.
# Processes are found with pgrep -f on "demo --dir DIR " (DIR unique to this
# run); the EXIT trap kills the tmux server and any of them still running.
# Every wait is bounded. Env: WARROOM, ROOT, WORK (see tests/run.sh).
set -u
: "${WARROOM:?}" "${ROOT:?}" "${WORK:?}"
unset WARROOM_NOW TMUX TMUX_PANE 2>/dev/null || true
passed=0
failed=0
started=$(date +%s)

ok() { passed=$((passed + 1)); echo "ok - $1"; }
bad() { failed=$((failed + 1)); echo "not ok - $1"; }
check() { # DESCRIPTION COMMAND...
	_d=$1
	shift
	if "$@"; then ok "$_d"; else bad "$_d"; fi
}
finish() {
	echo "# $(( $(date +%s) - started )) s"
	if [ "$failed" -gt 0 ]; then
		echo "$passed checks passed, $failed failed"
		exit 1
	fi
	echo "$passed checks passed"
	exit 0
}
die() { bad "$1"; echo "$passed checks passed, $failed failed (stopped early)"; exit 1; }

for c in tmux sqlite3 python3 timeout; do
	command -v "$c" >/dev/null 2>&1 || { echo "not ok - $c is not installed"; exit 1; }
done

RW=$(cd "$WORK" && pwd -P)   # the demo prints real paths
N=$RW/night                    # 1 and 2
MINE=$RW/mine                  # 3
K=$RW/kill                     # 4
TD=$RW/tty                     # 5

# The processes of a demo in DIR: the demo and its children share its
# command line, so one pattern finds them all (pgrep leaves itself out).
re() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|]/\\&/g'; }
procs() { pgrep -f -- "demo --dir $(re "$1")( |\$)" || true; }
# gone DIR SECONDS: polls every 0.1 s until no process of DIR is left.
gone() {
	_n=$(( $2 * 10 ))
	while [ -n "$(procs "$1")" ]; do
		[ "$_n" -gt 0 ] || return 1
		sleep 0.1
		_n=$((_n - 1))
	done
}
# dead PID: gone, or a zombie nobody has reaped yet (it runs nothing).
dead() { case $(ps -o stat= -p "$1" 2>/dev/null) in '' | Z*) return 0 ;; esac; return 1; }

sock="wrdemo$$"
T() { tmux -L "$sock" -f /dev/null "$@"; }
sockpath=""
cleanup() {
	if [ -n "$sockpath" ]; then
		T kill-server >/dev/null 2>&1 || true
		rm -f "$sockpath"
	fi
	for _d in "$N" "$MINE" "$K" "$TD"; do
		_p=$(procs "$_d")
		# shellcheck disable=SC2086 # one pid a word
		[ -z "$_p" ] || kill -KILL $_p 2>/dev/null || true
	done
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM PIPE

q() { sqlite3 -cmd '.timeout 5000' "$1" "$2"; }
# json FILE EXPR: a value of a JSON file, by a Python expression on d.
json() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
# store_ok DESCRIPTION DB: audit verify and PRAGMA integrity_check pass.
store_ok() {
	_v=$("$WARROOM" audit verify --db "$2" 2>&1)
	_vr=$?
	_i=$(q "$2" 'PRAGMA integrity_check' 2>&1)
	if [ "$_vr" = 0 ] && [ "$_i" = ok ]; then
		ok "$1 ($_v; integrity_check ok)"
	else
		bad "$1: audit verify (exit $_vr): $_v; integrity_check: $_i"
	fi
}
# latest_ok DIR: latest.json names the store's newest batch, whose
# directory holds results.json of that batch.
latest_ok() {
	_b=$(json "$1/public/latest.json" 'd["batch"]' 2>/dev/null) || return 1
	_dir=$1/public/$(json "$1/public/latest.json" 'd["path"]')
	[ "$_b" = "$(q "$1/warroom.db" 'SELECT max(id) FROM batches')" ] &&
		[ "$_dir" = "$1/public/batches/$(printf %06d "$_b")/" ] &&
		[ -f "$_dir/results.json" ] &&
		[ "$(json "$_dir/results.json" 'd["batch"]')" = "$_b" ]
}

# ============================================================ 1. headless
t0=$(date +%s)
timeout -k 5 60 "$WARROOM" demo --dir "$N" --speed 600 --no-console >"$WORK/n.out" 2>"$WORK/n.err"
rc=$?
t1=$((  $(date +%s) - t0 ))
check "headless demo at 600x exits 0 within 60 s (exit $rc, ${t1} s)" test "$rc" = 0
[ "$rc" = 124 ] || [ "$rc" = 137 ] && die "the headless demo did not end; its output: $(cat "$WORK/n.out" "$WORK/n.err")"
db=$N/warroom.db
[ -f "$db" ] || die "the headless demo made no store at $db; its output: $(cat "$WORK/n.out" "$WORK/n.err")"
check "prints the store line" grep -qxF "store:     $db" "$WORK/n.out"
check "prints the feed line" grep -qxF "feed:      file://$N/feed/page-000001.json (replayed at 600x)" "$WORK/n.out"
check "prints the published line" \
	grep -qxF "published: $N/public/latest.json names the newest batch under $N/public/batches/" "$WORK/n.out"
check "prints the users line" \
	grep -qxF "users:     super/1234 (supervisor), val1/1111 and val2/2222 (validators), hot1/3333 (hotline)" "$WORK/n.out"
check "says it runs until the night is over" grep -qF "running without a console until the night is over" "$WORK/n.out"
summ=$(grep '^demo night: ' "$WORK/n.out")
check "prints a summary: $summ" \
	eval 'echo "$summ" | grep -qE "^demo night: [0-9]+ of 1687 precincts reported; [0-9]+ tallies: [0-9]+ approved, .*newest batch [0-9]{6} \([0-9]+ precincts reporting\)$"'
check "ends with \"published: open $N/public/latest.json\"" \
	test "$(tail -n 1 "$WORK/n.out")" = "published: open $N/public/latest.json"
check "nothing on stderr" test ! -s "$WORK/n.err"
[ -s "$WORK/n.err" ] && sed 's/^/# stderr: /' "$WORK/n.err"
check "no process of the run is left" gone "$N" 3

# --- published
B=$(q "$db" 'SELECT max(id) FROM batches')
check "latest.json names the store's newest batch ($B), whose directory holds results.json of it" latest_ok "$N"
bdir=$N/public/batches/$(printf %06d "$B")
check "batch $B's manifest.json has the SHA-256 the store recorded" \
	test "$(sha256sum <"$bdir/manifest.json" | cut -d' ' -f1)" = \
	     "$(q "$db" "SELECT lower(hex(manifest)) FROM batches WHERE id = $B")"
check "batch 1 is the zeroes batch" test "$(q "$db" 'SELECT zeroes FROM batches WHERE id = 1')" = 1
nb=$(q "$db" 'SELECT count(*) FROM batches WHERE zeroes = 0')
check "the publisher published batches after the zeroes batch ($nb)" test "$nb" -ge 1
check "the summary names the newest batch" eval 'echo "$summ" | grep -q "newest batch $(printf %06d "$B") "'
check "every batch of the store is in public/batches ($(q "$db" 'SELECT count(*) FROM batches'))" \
	test "$(ls "$N/public/batches" | wc -l)" = "$(q "$db" 'SELECT count(*) FROM batches')"
check "the pusher's cursor is at the end of the outbox" \
	test "$(q "$db" 'SELECT last_id FROM push_cursors')" = "$(q "$db" 'SELECT max(id) FROM outbox')"

# --- the feed against the store
q "$db" 'SELECT submission_id FROM submissions' >"$WORK/stored.txt"
nq=$(q "$db" 'SELECT count(*) FROM quarantine')
python3 - "$N/feed" "$WORK/stored.txt" "$nq" >"$WORK/feed.txt" 2>&1 <<'EOF'
import glob, json, os, sys
feed, stored, nq = sys.argv[1], sys.argv[2], int(sys.argv[3])
pages = sorted(glob.glob(os.path.join(feed, "page-*.json")))
ids, records = set(), 0
for p in pages:
    d = json.load(open(p))
    records += len(d["submissions"])
    ids.update(s["submission_id"] for s in d["submissions"])
last = json.load(open(pages[-1]))
s = set(open(stored).read().split())
print("pages", len(pages))
print("last", os.path.basename(pages[-1]))
print("last_n", len(last["submissions"]))
print("last_next", last.get("next"))
print("records", records)
print("distinct", len(ids))
print("stored", len(s))
print("stray", len(s - ids))
print("accounted", int(len(s) + nq == len(ids)))
EOF
fv() { sed -n "s/^$1 //p" "$WORK/feed.txt"; }
check "python read the feed pages ($(fv pages) pages, $(fv records) records)" test -n "$(fv accounted)"
[ -n "$(fv accounted)" ] || sed 's/^/# /' "$WORK/feed.txt"
check "every stored submission_id is in the feed" test "$(fv stray)" = 0
check "submissions ($(fv stored)) + quarantine ($nq) = distinct submission_ids in the feed ($(fv distinct)) of $(fv records) records" \
	test "$(fv accounted)" = 1
check "the feed has resends (the same id twice), stored once" test "$(fv records)" -gt "$(fv distinct)"
check "the summary counts every stored tally" \
	eval 'echo "$summ" | grep -q "; $(fv stored) tallies: "'
check "the replay sent the whole night: the last page is closed by no next link" test "$(fv last_next)" = None
check "feed_cursors stands on the last page ($(fv last)) after its $(fv last_n) records" \
	test "$(q "$db" "SELECT page || ' ' || offset FROM feed_cursors")" = \
	     "file://$N/feed/$(fv last) $(fv last_n)"
check "feed_cursors: every earlier page read to its end, all $(fv records) records taken" \
	test "$(q "$db" "SELECT pages || ' ' || records || ' ' || attempts FROM feed_cursors")" = \
	     "$(( $(fv pages) - 1 )) $(fv records) 0"
check "one cursor, named by the first page's URL" \
	test "$(q "$db" "SELECT group_concat(feed) FROM feed_cursors")" = "file://$N/feed/page-000001.json"

# --- the assistants
# A second look flags an approved tally later, when its county's context
# comes (scoring.h): that is no flag the assistant approved past.
flagged="EXISTS (SELECT 1 FROM flags f WHERE f.submission = a.submission AND f.second_look = 0)"
check "each of assist1..4 approved tallies" \
	test "$(q "$db" "SELECT group_concat(name) FROM (SELECT DISTINCT u.name FROM approvals a
	         JOIN users u ON u.id = a.user_id ORDER BY u.name)")" = "assist1,assist2,assist3,assist4"
na=$(q "$db" "SELECT count(*) FROM approvals a JOIN users u ON u.id = a.user_id WHERE u.name LIKE 'assist%'")
check "the assistants' $na approvals are all on tallies with no flag" \
	test "$(q "$db" "SELECT count(*) FROM approvals a JOIN users u ON u.id = a.user_id
	         WHERE u.name LIKE 'assist%' AND $flagged")" = 0
check "their decisions are approvals, of tallies with no flag, one per approval" \
	test "$(q "$db" "SELECT count(*) || ' ' || sum(a.decision = 'approved') || ' ' || sum($flagged)
	         FROM decisions a JOIN users u ON u.id = a.user_id WHERE u.name LIKE 'assist%'")" = "$na $na 0"
nf=$(q "$db" 'SELECT count(DISTINCT submission) FROM flags')
check "the night has flagged tallies ($nf), none approved by an assistant" \
	eval '[ "$nf" -gt 0 ] && [ "$(q "$db" "SELECT count(*) FROM approvals a JOIN users u ON u.id = a.user_id
	         WHERE u.name LIKE '"'assist%'"' AND a.submission IN (SELECT submission FROM flags
	         WHERE second_look = 0)")" = 0 ]'
check "flagged tallies are left waiting for people" \
	test "$(q "$db" "SELECT count(*) FROM submissions WHERE state = 'flagged'")" -gt 0
check "nobody but the assistants approved or decided (nobody signed in)" \
	test "$(q "$db" "SELECT (SELECT count(*) FROM approvals a JOIN users u ON u.id = a.user_id
	         WHERE u.name NOT LIKE 'assist%') + (SELECT count(*) FROM decisions a JOIN users u
	         ON u.id = a.user_id WHERE u.name NOT LIKE 'assist%')")" = 0
store_ok "the store passes audit verify and integrity_check" "$db"
subs1=$(q "$db" 'SELECT count(*) FROM submissions')

# ============================================================ 2. rerun
t0=$(date +%s)
timeout -k 5 30 "$WARROOM" demo --dir "$N" --speed 600 --no-console --for 5 >"$WORK/r.out" 2>"$WORK/r.err"
rc=$?
check "a rerun in the same dir with --for 5 exits 0 (exit $rc, $(( $(date +%s) - t0 )) s)" test "$rc" = 0
check "the rerun says it runs for the time given" grep -qF "running without a console for the time given" "$WORK/r.out"
check "no process of the rerun is left" gone "$N" 3
subs2=$(q "$db" 'SELECT count(*) FROM submissions')
check "the rerun's store is fresh: $subs2 submissions, fewer than the full night's $subs1" \
	test "$subs2" -lt "$subs1"
check "the rerun's batch 1 is the zeroes batch" \
	test "$(q "$db" "SELECT id || ' ' || zeroes FROM batches ORDER BY id LIMIT 1")" = "1 1"
check "the rerun's store has the eight demo users once" \
	test "$(q "$db" 'SELECT count(*) FROM users')" = 8
check "the rerun's public/ holds only its own batches, latest.json the newest" \
	eval '[ "$(ls "$N/public/batches" | wc -l)" = "$(q "$db" "SELECT count(*) FROM batches")" ] && latest_ok "$N"'
store_ok "the rerun's store passes audit verify and integrity_check" "$db"

# ============================================================ 3. refusal
mkdir -p "$MINE"
"$WARROOM" init --db "$MINE/warroom.db" --fixtures "$ROOT/fixtures/iowa" >/dev/null 2>&1 \
	|| die "warroom init of $MINE/warroom.db failed"
sums() { (cd "$MINE" && find . | LC_ALL=C sort && find . -type f | LC_ALL=C sort | xargs sha256sum); }
before=$(sums)
timeout -k 5 30 "$WARROOM" demo --dir "$MINE" --speed 600 --no-console --for 1 >"$WORK/m.out" 2>"$WORK/m.err"
rc=$?
check "a dir holding a store the demo did not make is refused with exit 2 (exit $rc)" test "$rc" = 2
check "the refusal names the dir: $(head -n 1 "$WORK/m.err")" grep -qF "$MINE holds a store the demo did not make" "$WORK/m.err"
check "the refused dir is untouched (same files, same checksums)" test "$(sums)" = "$before"
check "no process of the refused run is left" gone "$MINE" 3
# Not a store, but not the demo's either: a site's public/ must survive.
SITE=$WORK/site
mkdir -p "$SITE/public" && echo precious >"$SITE/public/index.html"
timeout -k 5 30 "$WARROOM" demo --dir "$SITE" --speed 600 --no-console --for 1 >"$WORK/s.out" 2>"$WORK/s.err"
rc=$?
check "a non-empty dir the demo did not make is refused with exit 2 (exit $rc): $(head -n 1 "$WORK/s.err")" \
	eval '[ "$rc" = 2 ] && grep -qF "$SITE is not empty and is not a demo" "$WORK/s.err"'
check "its files are untouched" grep -qx precious "$SITE/public/index.html"

# ============================================================ 4. SIGKILL
"$WARROOM" demo --dir "$K" --speed 60 --no-console >"$WORK/k.out" 2>"$WORK/k.err" &
kpid=$!
n=200
until [ "$(pgrep -P "$kpid" | wc -l)" -ge 5 ] && grep -q 'pull: .*[1-9][0-9]* accepted' "$K/demo.log" 2>/dev/null; do
	[ "$n" -gt 0 ] || break
	sleep 0.1
	n=$((n - 1))
done
kids=$(pgrep -P "$kpid" | tr '\n' ' ')
check "the demo at 60x has its five children (${kids% }) and the puller took tallies in" \
	eval '[ "$(echo $kids | wc -w)" = 5 ] && grep -q "pull: .*[1-9][0-9]* accepted" "$K/demo.log"'
check "pgrep -f on its --dir finds the demo and its five children" \
	test "$(procs "$K" | wc -l)" = 6
sleep 1
kill -KILL "$kpid"
wait "$kpid" 2>/dev/null
t0=$(date +%s)
n=30
left=$kids
while [ -n "$left" ] && [ "$n" -gt 0 ]; do
	sleep 0.1
	n=$((n - 1))
	_l=""
	for p in $left; do dead "$p" || _l="$_l $p"; done
	left=$_l
done
check "SIGKILL to the demo: no child left running within 3 s${left:+ (left:$left)}" \
	eval '[ -z "$left" ] && gone "$K" 0'
store_ok "the killed night's store passes audit verify and integrity_check" "$K/warroom.db"
check "the killed night's store has tallies ($(q "$K/warroom.db" 'SELECT count(*) FROM submissions'))" \
	test "$(q "$K/warroom.db" 'SELECT count(*) FROM submissions')" -gt 0

# ============================================================ 5. a terminal
T start-server \; set-option -g exit-empty off || die "cannot start a tmux server"
sockpath=$(T display-message -p '#{socket_path}')
cat >"$WORK/demo-pane.sh" <<EOF
export TERM=xterm-256color LANG=C.UTF-8
unset WARROOM_NOW
"$WARROOM" demo --dir "$TD" --speed 300
rc=\$?
printf 'demo ended: exit %s\n' "\$rc"
sleep 60
EOF
sess="tty"
T new-session -d -s "$sess" -x 80 -y 24 sh "$WORK/demo-pane.sh" || die "tmux could not start a session"
screen() { T capture-pane -p -J -t "$sess"; }
keys() { T send-keys -t "$sess" "$@"; }
typ() { T send-keys -t "$sess" -l -- "$1"; }
on_screen() { screen | grep -qE -- "$1"; }
line() { screen | sed -n "${1}p"; }
show() { echo "# ----- the pane:"; screen | sed 's/^/# |/'; }
wait_for() { # REGEX [SECONDS]
	_n=$(( ${2:-10} * 10 ))
	while [ "$_n" -gt 0 ]; do
		on_screen "$1" && return 0
		sleep 0.1
		_n=$((_n - 1))
	done
	show
	die "the pane never showed /$1/ within ${2:-10} s"
}
wait_for 'Caucus night war room' 20
ok "on a terminal the demo opens the console's sign-in screen"
dpid=$(ps -o pid= --ppid "$(T display -p -t "$sess" '#{pane_pid}')" | tr -d ' ' | head -n 1)
typ val1
keys Enter
typ 1111
keys Enter
wait_for 'Review queue: [0-9]+ waiting' 10
check "val1 signs in to the Queue" \
	eval 'line 1 | grep -qE "warroom \[Queue\] .* val1 \(validator\)"'
check "the demo under the console runs its five children" test "$(procs "$TD" | wc -l)" = 6
wait_for 'Review queue: [1-9][0-9]* waiting' 40
ok "tallies arrive in the queue: $(screen | grep -oE 'Review queue: [0-9]+ waiting')"
keys Tab
wait_for 'Unmatched tallies' 5
keys Tab
wait_for 'County board: 99 counties' 5
check "Tab, Tab: the Board is the current tab" eval 'line 1 | grep -qF "[Board]"'
keys q
wait_for 'demo ended: exit' 20
check "q on the Board leaves the console and the demo exits 0" on_screen '^demo ended: exit 0$'
check "the pane shows the summary" on_screen '^demo night: [0-9]+ of 1687 precincts reported; [0-9]+ tallies: '
check "the pane shows \"published: open $TD/public/latest.json\"" \
	eval 'screen | grep -qxF "published: open $TD/public/latest.json"'
check "the terminal is off the alternate screen" \
	test "$(T display -p -t "$sess" '#{alternate_on}')" = 0
check "the demo process ($dpid) is gone and no child is left" \
	eval '[ -n "$dpid" ] && dead "$dpid" && gone "$TD" 3'
check "latest.json names the store's newest batch" latest_ok "$TD"
check "val1 holds no claim" \
	test "$(q "$TD/warroom.db" "SELECT count(*) FROM claims c JOIN users u ON u.id = c.user_id WHERE u.name = 'val1'")" = 0
store_ok "the terminal night's store passes audit verify and integrity_check" "$TD/warroom.db"
[ "$failed" = 0 ] || show
T kill-session -t "$sess" 2>/dev/null || true

finish
