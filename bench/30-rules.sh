#!/bin/sh
# Flag quality of the anomaly rules: `warroom evaluate` over simulated Iowa
# nights (seeds 1, 2, 3; 5% of precincts with a planted error), each replayed
# through intake with a validator approving the clean tallies every 15
# minutes. One row per planted kind: recall = planted records whose tally
# got a warn or hard flag (duplicates: recognised as resends; old names:
# resolved to the right precinct); target >= 95%. Then the share of clean
# records flagged; target <= 10%. The thresholds are fixtures/iowa/rules.json
# over src/rules.c. `warroom evaluate --fixtures fixtures/iowa` prints the
# same figures with the rules that fired on each kind.
set -eu
. "$ROOT/bench/lib.sh"
W=$BENCH_WORK/rules
mkdir -p "$W"
seeds=1,2,3

measure ev sh -c "TMPDIR='$W' '$ROOT/warroom' evaluate --fixtures '$ROOT/fixtures/iowa' \
	--seeds $seeds --json >'$W/eval.json'"
out=$W/eval.json

# share PART WHOLE: "12.3% (PART/WHOLE)"
share() {
	awk -v p="$1" -v w="$2" 'BEGIN { if (w > 0) printf "%.1f%% (%d/%d)", 100 * p / w, p, w; else print "-" }'
}

for kind in $(jq -r '.kinds | keys_unsorted[]' "$out"); do
	p=$(jq ".kinds.$kind.planted" "$out")
	c=$(jq ".kinds.$kind.caught" "$out")
	row "rules: recall $kind" "$(share "$c" "$p")" "-" "-" ">= 95%" \
		"$(holds "$p > 0 && $c >= 0.95 * $p")"
done
n=$(jq .clean.records "$out")
f=$(jq .clean.flagged "$out")
row "rules: clean records flagged" "$(share "$f" "$n")" "-" "-" "<= 10%" "$(holds "$f <= 0.10 * $n")"
row "rules: evaluate wall s (seeds $seeds)" "$(awk -v ms="$ev_ms" 'BEGIN { printf "%.1f", ms / 1000 }')" \
	"-" "-" "-" "-"
