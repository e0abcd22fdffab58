#!/bin/sh
# The console in a real terminal: a private tmux 3.3 server drives
# `warroom console` in detached sessions and reads the screen back with
# capture-pane. The main flow runs at 80x24 and again at 200x50, each on a
# fresh store (the Iowa fixtures and the sample night, less two tallies
# kept back: one the hotline keys, one ingested while the console is open;
# plus one tally naming an unknown precinct):
#   - a validator signs in (a wrong PIN first), Tabs through Queue,
#     Unmatched, Board and Publish (each view's heading and the tab marker),
#     opens ? help; approves a tally from the queue and rejects one with a
#     reason (the store's decisions and callbacks say so), sees the raw
#     payload whole, resolves the unmatched tally to a suggestion (resolved,
#     an operator alias recorded); filters the queue to a precinct with no
#     tally and sees it appear, with the queue count in the heading, when a
#     second process ingests one, without a key pressed; is resized to
#     100x30 (the screen re-lays out to the new size), to 70x20 (the
#     too-small message) and back; and is hung up on while holding a claim
#     (80x24: kill -HUP, and the terminal is left as it was found; 200x50:
#     tmux kill-session, the terminal gone): the claim is given back;
#   - a hotline user signs in, Tabs through Hotline, Board and Publish, sees
#     the rejected tally on the callback list and marks it called back, then
#     keys a phoned-in tally: type-ahead search, the live sum check, a
#     read-back that warns of a caller the roster gives another precinct,
#     a corrected read-back, saved as an accepted hotline tally keyed by that user with
#     the numbers typed; q quits and restores the terminal;
#   - a supervisor starts on the Board, Tabs through all five views,
#     freezes publication with a reason and unfreezes it, opens the selected
#     county's queue from the board and a tally from it, and is ended with
#     SIGTERM: the claim is given back and the terminal restored;
#   - the audit trail verifies.
# Nothing waits on a bare sleep: wait_for polls the screen every 0.1 s up
# to a bound and prints the screen when the text never comes. Screens are
# kept in $WORK/screens. Env: WARROOM, ROOT, WORK (see tests/run.sh).
set -eu
: "${WARROOM:?}" "${ROOT:?}" "${WORK:?}"
fx=$ROOT/fixtures/iowa
night=$fx/nights/sample.ndjson
passed=0
failed=0
started=$(date +%s)
unset TMUX TMUX_PANE 2>/dev/null || true

ok() { passed=$((passed + 1)); echo "ok - $1"; }
bad() { failed=$((failed + 1)); echo "not ok - $1"; }
# check DESCRIPTION COMMAND...: ok when the command succeeds.
check() {
	_d=$1
	shift
	if "$@"; then ok "$_d"; else bad "$_d"; fi
}

command -v tmux >/dev/null || { echo "not ok - tmux is not installed"; exit 1; }
command -v sqlite3 >/dev/null || { echo "not ok - sqlite3 is not installed"; exit 1; }

# ------------------------------------------------------------ tmux helpers
sock="wr$$"
T() { tmux -L "$sock" -f /dev/null "$@"; }
mkdir -p "$WORK/screens"
# One server for the whole test: killing a session must not take it down
# (a client racing a server on its way out fails to start the next one).
T start-server \; set-option -g exit-empty off \
	|| { echo "not ok - cannot start a tmux server"; exit 1; }
sockpath=$(T display-message -p '#{socket_path}')
# tmux leaves its socket file behind; remove it with the server.
trap 'T kill-server >/dev/null 2>&1 || true; rm -f "$sockpath"' EXIT
trap 'exit 1' HUP INT TERM PIPE

# The pane runs the console under a shell that notes, after it ends, its
# exit status and whether the terminal's modes are as they were before,
# then idles (bounded) so the pane can still be read.
cat >"$WORK/console.sh" <<EOF
export TERM=xterm-256color LANG=C.UTF-8
saved=\$(stty -g)
"$WARROOM" console "\$@"
rc=\$?
if [ "\$(stty -g)" = "\$saved" ]; then tty=restored; else tty=changed; fi
printf 'console ended: exit %s, tty %s\n' "\$rc" "\$tty"
sleep 120
EOF

sess="" cols=80 rows=24
# start NAME COLSxROWS CONSOLE-ARGS...: a new session running the console.
start() {
	sess=$1
	cols=${2%x*} rows=${2#*x}
	shift 2
	T new-session -d -s "$sess" -x "$cols" -y "$rows" sh "$WORK/console.sh" "$@" \
		|| die "tmux could not start session $sess"
}
screen() { T capture-pane -p -t "$sess"; }
keys() { T send-keys -t "$sess" "$@"; }      # key names: Enter Tab Escape Down BSpace
typ() { T send-keys -t "$sess" -l -- "$1"; }  # literal text
save_screen() { screen >"$WORK/screens/$1.txt"; }
show() {
	echo "# ----- screen of $sess (${cols}x$rows):"
	screen | sed 's/^/# |/'
}
die() { # fatal: the flow cannot go on
	bad "$1"
	[ -z "$sess" ] || show
	echo "$passed checks passed, $((failed)) failed (stopped early)"
	exit 1
}
# wait_for REGEX [SECONDS]: polls the screen every 0.1 s until a line
# matches (grep -E), up to SECONDS (default 10); the screen is printed and
# the test stops when it never does.
wait_for() {
	_n=$(( ${2:-10} * 10 ))
	while [ "$_n" -gt 0 ]; do
		screen | grep -qE -- "$1" && return 0
		sleep 0.1
		_n=$((_n - 1))
	done
	die "screen never showed /$1/ within ${2:-10} s"
}
# wait_gone REGEX [SECONDS]: the same, until no line matches.
wait_gone() {
	_n=$(( ${2:-10} * 10 ))
	while [ "$_n" -gt 0 ]; do
		screen | grep -qE -- "$1" || return 0
		sleep 0.1
		_n=$((_n - 1))
	done
	die "screen still showed /$1/ after ${2:-10} s"
}
on_screen() { screen | grep -qE -- "$1"; }
# The screen's line N (1-based).
line() { screen | sed -n "${1}p"; }
# wait_sql SQL WANT [SECONDS]: polls the store until the query gives WANT.
wait_sql() {
	_n=$(( ${3:-10} * 10 ))
	while [ "$_n" -gt 0 ]; do
		[ "$(q "$1")" = "$2" ] && return 0
		sleep 0.1
		_n=$((_n - 1))
	done
	return 1
}
# The console's process: the child of the pane's shell.
console_pid() { ps -o pid= --ppid "$(T display -p -t "$sess" '#{pane_pid}')" | tr -d ' ' | head -n 1; }
# wait_exit PID: up to 10 s for the process to be gone (or a zombie).
wait_exit() {
	_n=100
	while [ "$_n" -gt 0 ]; do
		_st=$(ps -o stat= -p "$1" 2>/dev/null || true)
		case $_st in '' | Z*) return 0 ;; esac
		sleep 0.1
		_n=$((_n - 1))
	done
	return 1
}
# sign_in PIN: at the sign-in screen with the user name in, the PIN field focused.
sign_in() {
	typ "$1"
	keys Enter
}

db=""
q() { sqlite3 "$db" "$1"; }

# ------------------------------------------------------------ the tallies
# Kept back from the night: the hotline keys HL's precinct; LIVE's tally is
# ingested while a console watches.
HL=19097-014 LIVE=19169-037
grep -v -e "\"precinct\":\"$HL\"" -e "\"precinct\":\"$LIVE\"" "$night" >"$WORK/night.ndjson"
grep -e "\"precinct\":\"$LIVE\"" "$night" >"$WORK/live.ndjson"
[ "$(wc -l <"$WORK/night.ndjson")" = $(( $(wc -l <"$night") - 2 )) ] \
	&& [ "$(wc -l <"$WORK/live.ndjson")" = 1 ] \
	|| die "expected one tally each for $HL and $LIVE in $night"
# A tally naming its precinct by a name the store does not know.
printf '%s\n' '{"submission_id":"app-um-0001","source":"app","county":"19029","precinct_name":"Jaxon Twp","reported_at":"2024-01-16T02:30:00Z","reporter":"rep-um-1","device":null,"votes":{"trump":10,"desantis":7,"haley":4,"ramaswamy":1,"hutchinson":0,"binkley":0,"other":0},"total":22}' \
	>"$WORK/unmatched.ndjson"

# ============================================================== one size
flow() { # COLSxROWS
	size=$1
	tag=$(echo "$size" | tr x _)
	W=${size%x*} H=${size#*x}
	db=$WORK/night-$tag.db
	"$WARROOM" init --db "$db" --fixtures "$fx" >/dev/null
	"$WARROOM" ingest --db "$db" "$WORK/night.ndjson" >/dev/null
	"$WARROOM" ingest --db "$db" "$WORK/unmatched.ndjson" >"$WORK/unmatched.out" 2>&1
	for u in v1:validator:1111 hot:hotline:5555 sup:supervisor:9999; do
		_r=${u#*:}
		WARROOM_PIN=${_r#*:} "$WARROOM" user add "${u%%:*}" --role "${_r%%:*}" --db "$db" >/dev/null
	done
	[ "$(q "SELECT count(*) FROM unmatched WHERE resolved_at IS NULL")" = 1 ] \
		|| die "$size: the seeded tally did not land in the unmatched queue"
	n0=$(q "SELECT count(*) FROM submissions WHERE state IN ('received', 'clean', 'flagged')")

	validator "$size"
	hotline "$size"
	supervisor "$size"

	if "$WARROOM" audit verify --db "$db" >"$WORK/verify.out" 2>&1; then
		ok "$size: audit verify passes after the sessions ($(cat "$WORK/verify.out"))"
	else
		bad "$size: audit verify: $(cat "$WORK/verify.out")"
	fi
}

# ------------------------------------------------------------ the validator
validator() {
	start "v1-$tag" "$1" --db "$db" --user v1
	wait_for 'Caucus night war room'
	wait_for '^ +User +v1'
	check "$size: sign-in screen: --user fills in the name; no tabs before signing in" \
		eval '! on_screen "Queue|Board"'
	sign_in 0000
	wait_for 'wrong user name or PIN'
	check "$size: a wrong PIN keeps the sign-in screen" on_screen 'Caucus night war room'
	sign_in 1111
	wait_for 'Review queue: [0-9]+ waiting'
	check "$size: validator signed in: header has the tabs and the user" \
		eval 'line 1 | grep -qE "warroom \[Queue\] Unmatched  Board  Publish +v1 \(validator\)"'
	check "$size: the queue heading counts the $n0 waiting tallies" \
		on_screen "Review queue: $n0 waiting"
	check "$size: the footer shows key hints on the last line" \
		eval 'line "$H" | grep -q "Enter open  n next  / filter"'
	save_screen "queue-$tag"

	# ? help, closed by any key
	keys '?'
	wait_for 'Keys of Queue \(any key closes this\)'
	check "$size: help lists the queue's keys" on_screen 'claim the most urgent tally'
	keys Space
	wait_gone 'Keys of Queue'

	# Tab through the validator's views, and around to the queue
	keys Tab
	wait_for 'Unmatched tallies: 1 waiting for a precinct'
	check "$size: Tab: Unmatched is the current tab" eval 'line 1 | grep -qF "[Unmatched]"'
	keys Tab
	wait_for 'County board: 99 counties'
	check "$size: Tab: Board is the current tab" eval 'line 1 | grep -qF "[Board]"'
	check "$size: the board has a legend with a symbol for each state" \
		on_screen '\. partial +H held +! flagged +\+ approved +\* published'
	check "$size: the board shows progress bars" on_screen '^ Reported .* [0-9]+/1687'
	rep=$(screen | sed -n 's/^ Reported .* \([0-9]*\)\/1687 *\([0-9]*\)%.*/\1 \2/p')
	check "$size: the board does not round $(echo "$rep" | cut -d' ' -f1) of 1687 reported up to 100%" \
		eval '[ -n "$rep" ] && { [ "${rep% *}" = 1687 ] || [ "${rep#* }" != 100 ]; }'
	[ "$1" = 80x24 ] && save_screen board-80x24
	keys Tab
	wait_for 'Publishing LIVE'
	check "$size: Tab: Publish is the current tab" eval 'line 1 | grep -qF "[Publish]"'
	check "$size: publish view lists batches" on_screen 'No batch yet'
	keys Tab
	wait_for 'Review queue: [0-9]+ waiting'
	check "$size: Tab comes round to the queue" eval 'line 1 | grep -qF "[Queue]"'
	check "$size: a validator has no Hotline tab" eval '! line 1 | grep -q Hotline'

	# approve: the second row of the queue, chosen with Down
	row2=$(line 5 | awk '{print $3}')
	case $row2 in 19[0-9][0-9][0-9]-[0-9]*) ;; *) row2=$(line 5 | awk '{print $2}') ;; esac
	keys Down
	keys Enter
	wait_for '^ Tally [^ ]+ '
	wait_for 'Claimed by you until'
	A=$(screen | sed -n 's/^ Tally \([^ ]*\) .*/\1/p' | head -n 1)
	check "$size: Down, Enter opens the second row's tally ($A, precinct $row2)" \
		on_screen "^ Precinct $row2 "
	check "$size: opening it claims it for v1" \
		test "$(q "SELECT u.name FROM claims c JOIN users u ON u.id = c.user_id
		         JOIN submissions s ON s.id = c.submission WHERE s.submission_id = '$A'")" = v1
	check "$size: the detail shows the tally beside its baselines" \
		on_screen '^ Candidate +Tonight +share +2016 +share +2020 +share +County'
	check "$size: the detail explains its flags" on_screen '^ Flags \([0-9]+\)'
	check "$size: the detail footer offers approve and reject" \
		eval 'line "$H" | grep -q "a approve  r reject"'
	[ "$1" = 80x24 ] && save_screen detail-80x24

	# the raw payload, all of it
	keys v
	wait_for "Raw payload of $A, as received:"
	raw=$(q "SELECT raw FROM submissions WHERE submission_id = '$A'")
	shown=$(screen | sed -n '/Raw payload of/,/^$/p' | sed '1d;/^$/d;s/^  //' | tr -d '\n')
	case $shown in
	*"$raw"*) ok "$size: v shows the raw payload whole" ;;
	*) bad "$size: v shows the raw payload whole; the screen has: $shown; the store: $raw" ;;
	esac
	keys v
	wait_for '^ Candidate +Tonight'

	keys a
	wait_for "$A approved\\."
	wait_for 'Review queue: [0-9]+ waiting'
	check "$size: a approves: decisions says approved by v1" \
		test "$(q "SELECT d.decision || ' ' || u.name || ' ' || s.state FROM decisions d
		         JOIN users u ON u.id = d.user_id JOIN submissions s ON s.id = d.submission
		         WHERE s.submission_id = '$A'")" = "approved v1 approved"
	check "$size: the approved tally left the queue" on_screen "Review queue: $((n0 - 1)) waiting"

	# reject: n takes the most urgent, r asks for the reason
	keys n
	wait_for 'Claimed by you until'
	R=$(screen | sed -n 's/^ Tally \([^ ]*\) .*/\1/p' | head -n 1)
	Rp=$(q "SELECT p.code FROM submissions s JOIN precincts p ON p.id = s.precinct_id
	        WHERE s.submission_id = '$R'")
	check "$size: n opens a tally ($R) other than the approved one" test -n "$R" -a "$R" != "$A"
	keys r
	wait_for 'Reason for rejecting'
	typ "chair says 12 for Haley, not 21"
	keys Enter
	wait_for "$R rejected"
	wait_for 'Review queue: [0-9]+ waiting'
	check "$size: r rejects with the reason typed" \
		test "$(q "SELECT d.decision || '|' || u.name || '|' || d.reason FROM decisions d
		         JOIN users u ON u.id = d.user_id JOIN submissions s ON s.id = d.submission
		         WHERE s.submission_id = '$R'")" = "rejected|v1|chair says 12 for Haley, not 21"
	check "$size: the rejection is on the callback list with its reason" \
		test "$(q "SELECT c.reason FROM callbacks c JOIN submissions s ON s.id = c.submission
		         WHERE s.submission_id = '$R' AND c.done_at IS NULL")" = "chair says 12 for Haley, not 21"
	check "$size: deciding leaves v1 holding no claim" \
		test "$(q "SELECT count(*) FROM claims")" = 0

	# unmatched: resolve to the first suggestion
	keys Tab
	wait_for 'Unmatched tallies: 1 waiting'
	wait_for '^ 1\) 19029-[0-9]+ '
	S1=$(screen | sed -n 's/^ 1) \(19029-[0-9]*\) .*/\1/p')
	check "$size: the unmatched tally is listed as given" on_screen '19029 / Jaxon Twp +Cass'
	keys 1
	wait_for "app-um-0001 resolved to $S1"
	wait_for 'Unmatched tallies: 0 waiting'
	check "$size: 1 resolves it: resolved by v1, attached to $S1" \
		test "$(q "SELECT (u.resolved_at IS NOT NULL) || ' ' || u.resolved_by || ' ' || p.code
		         FROM unmatched u JOIN submissions s ON s.id = u.submission
		         JOIN precincts p ON p.id = s.precinct_id
		         WHERE s.submission_id = 'app-um-0001'")" = "1 v1 $S1"
	check "$size: an operator alias Jaxon Twp -> $S1 is recorded" \
		test "$(q "SELECT a.old_name || ' ' || p.code FROM precinct_aliases a
		         JOIN precincts p ON p.id = a.precinct_id WHERE a.origin = 'operator'")" = "Jaxon Twp $S1"

	# live: filter to a precinct with no tally; another process ingests one
	keys BTab
	wait_for 'Review queue: [0-9]+ waiting'
	keys /
	wait_for 'Filter \(county, precinct'
	typ "$LIVE"
	keys Enter
	wait_for "filter \"$LIVE\""
	wait_for 'Nothing matches the filter'
	before=$(screen | sed -n 's/.*Review queue: \([0-9]*\) waiting.*/\1/p')
	"$WARROOM" ingest --db "$db" "$WORK/live.ndjson" >"$WORK/live.out"
	t0=$(date +%s%N)
	wait_for " $LIVE +[A-Z]+ +app " 3
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	ok "$size: the tally ingested by another process appears without a key press (${ms} ms)"
	check "$size: and the queue count in the heading goes from $before to $((before + 1))" \
		on_screen "Review queue: $((before + 1)) waiting"
	keys /
	wait_for 'Filter \(county, precinct'
	i=0
	while [ $i -lt ${#LIVE} ]; do keys BSpace; i=$((i + 1)); done
	keys Enter
	wait_gone 'filter "'

	# resize: larger, too small, back
	resize_checks

	# SIGHUP while holding a claim (the whole night's first row)
	keys Enter
	wait_for 'Claimed by you until'
	C=$(screen | sed -n 's/^ Tally \([^ ]*\) .*/\1/p' | head -n 1)
	check "$size: v1 holds a claim on $C before the hangup" \
		test "$(q "SELECT count(*) FROM claims c JOIN users u ON u.id = c.user_id
		         WHERE u.name = 'v1'")" = 1
	pid=$(console_pid)
	[ -n "$pid" ] || die "$size: no console process under the pane"
	if [ "$1" = 80x24 ]; then
		kill -HUP "$pid"
		wait_for 'console ended: exit' 5
		check "$size: SIGHUP ends the console (exit 0)" on_screen 'console ended: exit 0,'
		check "$size: after SIGHUP the tty modes are as before" on_screen 'console ended: .*tty restored'
		check "$size: after SIGHUP the terminal is off the alternate screen" \
			test "$(T display -p -t "$sess" '#{alternate_on}')" = 0
		check "$size: after SIGHUP the cursor is visible again" \
			test "$(T display -p -t "$sess" '#{cursor_flag}')" = 1
	else
		# a real hangup: the terminal goes away under it
		T kill-session -t "$sess"
		check "$size: tmux kill-session (SIGHUP, terminal gone) ends the console" wait_exit "$pid"
	fi
	check "$size: after the hangup v1 holds no claim" \
		wait_sql "SELECT count(*) FROM claims c JOIN users u ON u.id = c.user_id
		          WHERE u.name = 'v1'" 0
	check "$size: the released tally is back in the queue, undecided" \
		test "$(q "SELECT count(*) FROM decisions d JOIN submissions s ON s.id = d.submission
		         WHERE s.submission_id = '$C'")" = 0
	T kill-session -t "$sess" 2>/dev/null || true
}

# queue_rows: data rows the queue shows.
queue_rows() { screen | grep -cE '^ +(!! hard|! warn|i info|-) +19[0-9]{3}-' || true; }

resize_checks() {
	wait_for 'Review queue: [0-9]+ waiting'
	check "$size: the queue fills the ${W}x$H screen ($((H - 5)) rows)" test "$(queue_rows)" = $((H - 5))
	T resize-window -t "$sess" -x 100 -y 30
	cols=100 rows=30
	wait_for "v1 \\(validator\\) [0-9:]{8}\$"
	n=0
	while [ "$(screen | wc -l)" != 30 ] || [ "$(queue_rows)" != 25 ]; do
		[ $n -lt 30 ] || break
		sleep 0.1
		n=$((n + 1))
	done
	check "$size: resized to 100x30: 25 queue rows" test "$(queue_rows)" = 25
	check "$size: resized to 100x30: the user and clock move to the right edge (column 67)" \
		test "$(line 1 | awk '{ print index($0, "v1 (validator)") }')" = 67
	check "$size: resized to 100x30: the footer is on line 30" \
		eval 'line 30 | grep -q "Enter open  n next"'
	check "$size: resized to 100x30: no line is wider than 100" \
		test "$(screen | awk '{ if (length($0) > m) m = length($0) } END { print m }')" -le 100
	save_screen "queue-100x30-$tag"
	T resize-window -t "$sess" -x 70 -y 20
	cols=70 rows=20
	wait_for 'warroom needs a terminal of at least 80x24'
	check "$size: at 70x20 the console says how big it is" on_screen 'this one is 70x20'
	check "$size: at 70x20 nothing else is drawn" eval '! on_screen "Review queue|Unmatched"'
	T resize-window -t "$sess" -x "$W" -y "$H"
	cols=$W rows=$H
	wait_for 'Review queue: [0-9]+ waiting'
	check "$size: back at ${W}x$H: the queue again, still the current tab" \
		eval 'line 1 | grep -qF "[Queue]"'
	n=0
	while [ "$(queue_rows)" != $((H - 5)) ] && [ $n -lt 30 ]; do sleep 0.1; n=$((n + 1)); done
	check "$size: back at ${W}x$H: $((H - 5)) queue rows, footer on the last line" \
		eval '[ "$(queue_rows)" = $((H - 5)) ] && line "$H" | grep -q "Enter open"'
}

# ------------------------------------------------------------ the hotline
hotline() {
	start "hot-$tag" "$1" --db "$db"
	wait_for 'Caucus night war room'
	typ hot
	keys Enter
	sign_in 5555
	wait_for 'Hotline: double entry off'
	check "$size: hotline signed in: Hotline, Board, Publish tabs" \
		eval 'line 1 | grep -qE "warroom \[Hotline\] Board  Publish +hot \(hotline\)"'
	check "$size: the callback list has the rejected tally ($Rp) and its reason" \
		on_screen "^ $Rp .*chair says 12"
	check "$size: the heading counts one callback" on_screen '1 callback$'
	keys Tab
	wait_for 'County board: 99 counties'
	check "$size: hotline Tab: Board" eval 'line 1 | grep -qF "[Board]"'
	keys Tab
	wait_for 'Publishing LIVE'
	check "$size: hotline Tab: Publish" eval 'line 1 | grep -qF "[Publish]"'
	check "$size: a hotline user has no publish keys" eval '! line "$H" | grep -q "p publish"'
	keys Tab
	wait_for 'Hotline: double entry off'
	check "$size: hotline Tab comes round to Hotline" eval 'line 1 | grep -qF "[Hotline]"'

	keys x
	wait_for "Callback for $Rp marked done"
	check "$size: x marks the callback done" \
		test "$(q "SELECT (c.done_at IS NOT NULL) || ' ' || u.name FROM callbacks c
		         JOIN users u ON u.id = c.done_by JOIN submissions s ON s.id = c.submission
		         WHERE s.submission_id = '$R'")" = "1 hot"
	wait_for 'No callbacks waiting'

	# key a call: search by name, then narrow to the code
	keys k
	wait_for 'Precinct: code, name, old name or county'
	typ Jackson
	wait_for '^ Jackson$'
	wait_for "^ $HL +Jackson Township +Jackson "
	check "$size: type-ahead finds precincts by name" on_screen '^ 19029-009 +Jackson Township +Cass'
	for _ in 1 2 3 4 5 6 7; do keys BSpace; done
	typ "$HL"
	wait_for "^ $HL\$"
	wait_for "^ $HL +Jackson Township +Jackson +code"
	check "$size: a code narrows the hits to one" \
		test "$(screen | grep -cE '^ 19[0-9]{3}-[0-9]{3} ')" = 1
	keys Enter
	wait_for "Hotline tally: $HL Jackson Township, Jackson County"
	check "$size: the form has a field for each candidate and the total" \
		eval 'on_screen "^  Caller.s reporter id" && on_screen "^  Ryan Binkley" && on_screen "^  Total"'
	check "$size: an empty form is not called complete" eval '! on_screen "Complete: Enter reads it back"'
	typ rep-19097-013   # the chair next door: the roster says so at the read-back
	keys Enter
	for n in 31 12 9 4 0 1 0; do
		typ "$n"
		keys Enter
	done
	wait_for '^  Other +0$'
	check "$size: without a total the form says so" on_screen 'Candidates add up to 57\. total: no count'
	typ 75
	wait_for '^  Total +75'
	check "$size: a total that does not add up is named" \
		on_screen 'Candidates add up to 57\. total: candidate votes add up to 57 but the total'
	keys Enter
	wait_for 'total says 75'
	check "$size: Enter on a form that does not add up stays on the form" \
		eval '! on_screen "Read back to the caller"'
	keys BSpace BSpace
	typ 57
	wait_for 'Candidates add up to 57\. Complete: Enter reads it back'
	keys Enter
	wait_for 'Read back to the caller'
	check "$size: the read-back says the caller is another precinct's chair" \
		eval 'on_screen "^ ! rep-19097-013 is on the roster for 19097-013 " &&
		      on_screen "Check with the caller: rep-19097-013"'
	keys e
	wait_for 'Candidates add up to 57\. Complete: Enter reads it back'
	keys Down BSpace
	typ 4
	keys Enter
	wait_for 'Reporter rep-19097-014$'
	check "$size: the caller's own precinct reads back without a roster warning" \
		eval '! on_screen "is on the roster for"'
	check "$size: the read-back names the precinct" \
		on_screen "Read back to the caller: $HL Jackson Township, Jackson County"
	check "$size: the read-back shows the reporter id whole" on_screen 'Reporter rep-19097-014$'
	check "$size: the read-back lists each count" \
		eval 'on_screen "^    Donald J. Trump +31$" && on_screen "^    Nikki Haley +9$" && on_screen "^    Total +57$"'
	check "$size: the read-back's status line shows no stale sum error" \
		eval '! line $((H - 1)) | grep -q "total says 75"'
	save_screen "readback-$tag"
	if [ "$1" = 80x24 ]; then keys Enter; else keys y; fi
	wait_for 'Saved \(accepted\) to the queue'
	HS=$(q "SELECT submission_id FROM submissions WHERE source = 'hotline' AND keyed_by = 'hot'
	        ORDER BY id DESC LIMIT 1")
	check "$size: the status line names the saved tally ($HS)" \
		on_screen "Saved.*${HS%"${HS#?????????????????????}"}"
	check "$size: saved $HS: a hotline tally for $HL keyed by hot, waiting for the validators" \
		test "$(q "SELECT s.source || ' ' || s.keyed_by || ' ' || p.code || ' '
		         || (s.state IN ('clean', 'flagged')) FROM submissions s
		         JOIN precincts p ON p.id = s.precinct_id
		         WHERE s.submission_id = '$HS'")" = "hotline hot $HL 1"
	check "$size: with the numbers typed" \
		test "$(q "SELECT json_extract(raw, '\$.reporter') || ' ' || json_extract(raw, '\$.votes.trump')
		         || ' ' || json_extract(raw, '\$.votes.desantis') || ' ' || json_extract(raw, '\$.votes.haley')
		         || ' ' || json_extract(raw, '\$.votes.ramaswamy') || ' ' || json_extract(raw, '\$.votes.hutchinson')
		         || ' ' || json_extract(raw, '\$.votes.binkley') || ' ' || json_extract(raw, '\$.votes.other')
		         || ' ' || json_extract(raw, '\$.total') FROM submissions WHERE submission_id = '$HS'")" \
		     = "rep-19097-014 31 12 9 4 0 1 0 57"
	wait_for 'Hotline: double entry off'
	keys q
	wait_for 'console ended: exit' 5
	check "$size: q quits the hotline console (exit 0) and restores the tty" \
		on_screen 'console ended: exit 0, tty restored'
	check "$size: after q the terminal is off the alternate screen" \
		test "$(T display -p -t "$sess" '#{alternate_on}')" = 0
	T kill-session -t "$sess"
}

# ------------------------------------------------------------ the supervisor
supervisor() {
	start "sup-$tag" "$1" --db "$db" --user sup
	wait_for '^ +User +sup'
	sign_in 9999
	wait_for 'County board: 99 counties'
	check "$size: a supervisor starts on the Board, with all five tabs" \
		eval 'line 1 | grep -qE "warroom  Queue  Unmatched  Hotline \[Board\] Publish +sup \(supervisor\)"'
	keys Tab
	wait_for 'Publishing LIVE'
	check "$size: supervisor Tab: Publish, with p, f, u" \
		eval 'line 1 | grep -qF "[Publish]" && line "$H" | grep -q "p publish  f freeze  u unfreeze"'
	keys f
	wait_for 'Reason for freezing publication:'
	typ "AP asks us to hold Polk"
	keys Enter
	wait_for 'Publishing FROZEN by sup at .*: AP asks us to hold Polk'
	check "$size: f freezes publication with the reason" \
		eval '"$WARROOM" publish status --db "$db" 2>&1 | grep -q "FROZEN by sup .*: AP asks us to hold Polk"'
	keys u
	wait_for 'Unfreeze publication\? Type yes:'
	typ yes
	keys Enter
	wait_for 'Publishing LIVE'
	check "$size: u unfreezes it" eval '"$WARROOM" publish status --db "$db" 2>&1 | grep -q "^publishing open"'
	check "$size: freeze and unfreeze are audited" \
		test "$(q "SELECT count(*) FROM audit WHERE actor = 'sup' AND action LIKE '%freeze%'")" -ge 2
	keys Tab
	wait_for 'Review queue: [0-9]+ waiting'
	check "$size: supervisor Tab: Queue" eval 'line 1 | grep -qF "[Queue]"'
	keys Tab
	wait_for 'Unmatched tallies: 0 waiting'
	check "$size: supervisor Tab: Unmatched" eval 'line 1 | grep -qF "[Unmatched]"'
	keys Tab
	wait_for 'Hotline: double entry off'
	check "$size: supervisor Tab: Hotline" eval 'line 1 | grep -qF "[Hotline]"'
	keys Tab
	wait_for 'County board: 99 counties'
	check "$size: supervisor Tab comes round to the Board" eval 'line 1 | grep -qF "[Board]"'
	# Enter on the board: the selected county's queue; Enter again claims one
	county=$(screen | sed -n 's/^ \([A-Z][^:]*\): [a-z]*; [0-9]* of [0-9]* precincts in.*/\1/p' |
	         head -n 1 | sed "s/'/''/g")
	fips=$(q "SELECT fips FROM counties WHERE name = '$county'")
	[ -n "$fips" ] || die "$size: no selected county under the board's map"
	keys Enter
	wait_for "Review queue: [0-9]+ waiting.*filter \"$fips\""
	check "$size: Enter on the board opens the queue on county $fips, Board still the tab" \
		eval 'line 1 | grep -qF "[Board]"'
	keys Enter
	wait_for 'Claimed by you until'
	check "$size: a supervisor's detail offers override" eval 'line "$H" | grep -q "o override"'
	check "$size: sup holds a claim on a county $fips tally" \
		test "$(q "SELECT count(*) || ' ' || min(p.county_fips) FROM claims c
		         JOIN users u ON u.id = c.user_id JOIN submissions s ON s.id = c.submission
		         JOIN precincts p ON p.id = s.precinct_id WHERE u.name = 'sup'")" = "1 $fips"
	pid=$(console_pid)
	[ -n "$pid" ] || die "$size: no console process under the pane"
	kill -TERM "$pid"
	wait_for 'console ended: exit' 5
	check "$size: SIGTERM ends the console (exit 0) and restores the tty" \
		on_screen 'console ended: exit 0, tty restored'
	check "$size: after SIGTERM the terminal is off the alternate screen" \
		test "$(T display -p -t "$sess" '#{alternate_on}')" = 0
	check "$size: after SIGTERM sup holds no claim" \
		wait_sql "SELECT count(*) FROM claims c JOIN users u ON u.id = c.user_id
		          WHERE u.name = 'sup'" 0
	T kill-session -t "$sess" 2>/dev/null || true
}

for size in 80x24 200x50; do
	flow "$size"
done

echo "# $(( $(date +%s) - started )) s; screens in $WORK/screens"
if [ "$failed" -gt 0 ]; then
	echo "$passed checks passed, $failed failed"
	exit 1
fi
echo "$passed checks passed"
