#!/bin/sh
# Review latency under caucus-night load: six validator_sim processes take
# the queue while `warroom ingest` feeds the Iowa sample night in ten chunks
# and a reader loops `warroom status --json`; every approve/reject call's
# wall time is kept and the six sims' samples are merged for p50/p99.
# Reference, measured in the same run: the p50 of one validator_sim alone on
# a fresh copy of the same store with the night already ingested. Target:
# loaded p99 < 50 ms. Intake scores every tally with the fixtures' rules as
# it stores it, and approvals feed the county's shares (re-scoring its pending
# tallies now and then), so that cost is in both runs. About 2% of the
# tallies carry a hard flag (planted by a test trigger each time the scorer
# gives its verdict, as in tests/integration/review_concurrency.sh), and
# every 40th decision is a rejection, in both runs.
set -eu
. "$ROOT/bench/lib.sh"
W=$BENCH_WORK/review
mkdir -p "$W"
export WARROOM_NOW=2024-01-16T06:00:00Z
fx=$ROOT/fixtures/iowa
night=$fx/nights/sample.ndjson

SIM=${VALIDATOR_SIM:-$ROOT/build/tools/validator_sim}
[ -x "$SIM" ] || make -C "$ROOT" --no-print-directory build/tools/validator_sim >&2 || true
if [ ! -x "$SIM" ]; then
	echo "bench: no $SIM (make build/tools/validator_sim)" >&2
	exit 1
fi

# pct P FILE: nearest-rank percentile of the numbers in FILE, one a line.
pct() {
	sort -n "$2" | awk -v p="$1" '{ v[NR] = $1 }
	END { if (NR == 0) { print "nan"; exit } k = int(p / 100 * NR); if (k < p / 100 * NR) k++;
	      if (k < 1) k = 1; printf "%.3f\n", v[k] }'
}

# The store every run starts from: fixtures, six validators, the test trigger.
base=$W/base.db
"$ROOT/warroom" init --db "$base" --fixtures "$fx" >/dev/null
for i in 1 2 3 4 5 6; do
	WARROOM_PIN=10$i$i "$ROOT/warroom" user add "v$i" --role validator --db "$base" >/dev/null
done
# The scorer rewrites a tally's flags and then sets its state, so the flag is
# planted after that (on an insert the scorer would delete it at once).
sqlite3 "$base" "CREATE TRIGGER bench_plant_hard AFTER UPDATE OF state ON submissions
   WHEN NEW.id % 50 = 0 AND NEW.state IN ('clean', 'flagged')
   BEGIN
     INSERT INTO flags (submission, rule, severity, message, created_at)
     SELECT NEW.id, 'bench_planted', 'hard', 'planted by bench/20-review.sh', NEW.received_at
     WHERE NOT EXISTS (SELECT 1 FROM flags WHERE submission = NEW.id
                       AND rule = 'bench_planted');
     UPDATE submissions SET state = 'flagged' WHERE id = NEW.id AND state = 'clean';
   END;
   PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
copy() { # DEST
	rm -f "$1" "$1-wal" "$1-shm"
	sqlite3 "$base" ".backup '$1'"
}

# ------------------------------------------------ one validator, nothing else
echo "bench: review: one validator alone" >&2
copy "$W/alone.db"
"$ROOT/warroom" ingest --db "$W/alone.db" "$night" >/dev/null
"$SIM" --db "$W/alone.db" --user v1 --pin 1011 --reject-every 40 --idle-exit 0.5 --max 5000 \
	--deadline 300 --samples "$W/alone.samples" >"$W/alone.json"
alone_p50=$(pct 50 "$W/alone.samples")
echo "bench: review alone: $(cat "$W/alone.json")" >&2

# ---------------------------------------- six validators + ingest + a reader
echo "bench: review: six validators + ingest + reader" >&2
db=$W/loaded.db
copy "$db"
n=$(wc -l <"$night")
split -l $(( (n + 9) / 10 )) "$night" "$W/chunk."
rm -f "$W/stop"
pids="" reader=""
cleanup() { # an early exit stops what this part started, by process id
	touch "$W/stop"
	for p in $pids $reader; do
		kill "$p" 2>/dev/null || true
	done
}
trap cleanup EXIT
for i in 1 2 3 4 5 6; do
	"$SIM" --db "$db" --user "v$i" --pin "10$i$i" --reject-every 40 --idle-exit 4 --max 5000 \
		--deadline 300 --samples "$W/loaded-$i.samples" >"$W/loaded-$i.json" 2>"$W/loaded-$i.err" &
	pids="$pids $!"
done
(
	i=0
	while [ $i -lt 5000 ] && [ ! -e "$W/stop" ]; do
		i=$((i + 1))
		"$ROOT/warroom" status --db "$db" --json >/dev/null 2>>"$W/reader.err" || true
		sleep 0.05
	done
) &
reader=$!
for c in "$W"/chunk.*; do
	"$ROOT/warroom" ingest --db "$db" "$c" >/dev/null 2>>"$W/ingest.err" || true
	sleep 0.3
done
for p in $pids; do
	wait "$p" || true
done
pids=""
touch "$W/stop"
wait $reader || true
reader=""
trap - EXIT

cat "$W"/loaded-*.samples >"$W/loaded.samples"
for f in "$W"/loaded-*.json; do
	echo "bench: review loaded: $(cat "$f")" >&2
done
errors=$(jq -s 'map(.errors) | add' "$W"/loaded-*.json)
decided=$(wc -l <"$W/loaded.samples")
pending=$(sqlite3 "$db" "SELECT count(*) FROM submissions WHERE state IN ('received', 'flagged', 'clean')")
if [ "$errors" != 0 ] || [ "$pending" != 0 ] || [ -s "$W/reader.err" ] || [ -s "$W/ingest.err" ]; then
	echo "bench: review: $errors sim errors, $pending tallies left pending;" \
		"$(cat "$W"/*.err | head -n 3)" >&2
fi
p50=$(pct 50 "$W/loaded.samples")
p99=$(pct 99 "$W/loaded.samples")
echo "bench: review loaded: $decided calls, p50 $p50 ms, p99 $p99 ms, max $(pct 100 "$W/loaded.samples") ms" >&2

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "-" }'; }
row "approve latency p50 ms (6 validators + ingest + reader)" "$p50" "$alone_p50 (1 alone, p50)" \
	"$(ratio "$p50" "$alone_p50")" "-" "-"
row "approve latency p99 ms (6 validators + ingest + reader)" "$p99" "$alone_p50 (1 alone, p50)" \
	"$(ratio "$p99" "$alone_p50")" "p99 < 50 ms" "$(holds "$p99 < 50 && $errors == 0 && $pending == 0")"
