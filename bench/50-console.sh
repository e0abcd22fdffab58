#!/bin/sh
# The console: CPU time of one full redraw of the review queue holding the
# whole Iowa night (1,687 tallies) and of the county board, and the idle
# console's CPU use over 10 s in a real terminal (tmux).
#
# A redraw is measured headless (newterm on /dev/null): the same signed-in
# run with N Ctrl-L presses (each erases and paints the whole screen) and
# without; the CPU time between them over N is one redraw. Sign-in's
# argon2 cost is in both runs and cancels out. The targets are absolute
# (5 ms, 1%), so the ratio column is the value over its target.
set -eu
. "$ROOT/bench/lib.sh"
W=$BENCH_WORK/console
mkdir -p "$W"
export WARROOM_NOW=2024-01-16T06:00:00Z LC_ALL=C.UTF-8
WR=$ROOT/warroom
db=$W/console.db
N=1000

"$WR" init --db "$db" --fixtures "$ROOT/fixtures/iowa" >/dev/null
WARROOM_PIN=1111 "$WR" user add v1 --role validator --db "$db" >/dev/null
WARROOM_PIN=2222 "$WR" user add s1 --role supervisor --db "$db" >/dev/null
"$WR" ingest --db "$db" "$ROOT/fixtures/iowa/nights/sample.ndjson" >/dev/null 2>&1
queued=$(sqlite3 "$db" "SELECT count(*) FROM submissions WHERE state IN ('received', 'flagged', 'clean')")
presses=$(awk -v n=$N 'BEGIN { for (i = 0; i < n; i++) printf "<C-l> " }')

# redraw VAR USER PIN KEYS: CPU ms of one redraw of the view KEYS lead to.
redraw() {
	_v=$1 _u=$2 _pin=$3 _keys=$4
	_base="" _with=""
	for _i in 1 2 3; do
		measure _a "$WR" console --db "$db" --user "$_u" --script "text:$_pin <Enter> $_keys"
		measure _b "$WR" console --db "$db" --user "$_u" \
			--script "text:$_pin <Enter> $_keys $presses"
		_base=$(awk -v a="$_a_cpu" -v b="${_base:-1e18}" 'BEGIN { print (a < b) ? a : b }')
		_with=$(awk -v a="$_b_cpu" -v b="${_with:-1e18}" 'BEGIN { print (a < b) ? a : b }')
	done
	eval "${_v}=$(awk -v a="$_with" -v b="$_base" -v n=$N 'BEGIN { printf "%.3f", (a - b) / n }')"
}

echo "bench: console redraws ($queued tallies queued)" >&2
redraw queue_ms v1 1111 ""
redraw board_ms s1 2222 ""
row "console: redraw of the queue, $queued tallies, 80x24 (CPU)" "$queue_ms ms" "target 5 ms" \
	"$(awk -v a="$queue_ms" 'BEGIN { printf "%.2f", a / 5 }')" "< 5 ms" "$(holds "$queue_ms < 5")"
row "console: redraw of the county board, 99 counties (CPU)" "$board_ms ms" "target 5 ms" \
	"$(awk -v a="$board_ms" 'BEGIN { printf "%.2f", a / 5 }')" "< 5 ms" "$(holds "$board_ms < 5")"

# Idle: the console signed in on the queue in tmux, nothing pressed for 10 s.
echo "bench: idle console, 10 s" >&2
sock="wrbench$$"
trap 'tmux -L "$sock" kill-server 2>/dev/null || true' EXIT
tmux -L "$sock" -f /dev/null new-session -d -x 80 -y 24 \
	"exec env TERM=xterm-256color '$WR' console --db '$db' --user v1"
tmux -L "$sock" send-keys -l 1111
tmux -L "$sock" send-keys Enter
i=0
until tmux -L "$sock" capture-pane -p | grep -q 'Review queue'; do
	i=$((i + 1))
	[ $i -lt 300 ] || { echo "bench: the console never showed the queue" >&2; exit 1; }
	sleep 0.1
done
pid=$(tmux -L "$sock" display -p '#{pane_pid}')
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
t0=$(ticks "$pid")
sleep 10
t1=$(ticks "$pid")
hz=$(getconf CLK_TCK)
idle=$(awk -v a="$t0" -v b="$t1" -v hz="$hz" 'BEGIN { printf "%.2f", (b - a) / hz / 10 * 100 }')
tmux -L "$sock" kill-server
row "console: idle CPU over 10 s, signed in on the queue" "$idle %" "target 1 %" \
	"$(awk -v a="$idle" 'BEGIN { printf "%.2f", a / 1 }')" "< 1 %" "$(holds "$idle < 1")"
