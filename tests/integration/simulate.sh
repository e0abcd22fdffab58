#!/bin/sh
# `warroom simulate` end to end on fixtures/iowa: the same seed writes the
# same bytes, another seed another night; one line per precinct plus the
# planted extras; the night ingests into a fresh store with every labelled
# record where its kind says (resends recognised, old names resolved through
# the alias, wrong precincts stored under the precinct they name, slipped
# digits stored as keyed, integrity flags raised); and `warroom evaluate`
# accounts for every record of a seed. Usage errors exit 1.
set -eu
: "${WARROOM:?}" "${ROOT:?}" "${WORK:?}"
fx=$ROOT/fixtures/iowa
db=$WORK/sim.db
export WARROOM_NOW=2024-01-16T06:00:00Z
fail=0
ok() { echo "ok - $1"; }
bad() { echo "not ok - $1"; fail=1; }
q() { sqlite3 "$db" "$1"; }
sim() { "$WARROOM" simulate --fixtures "$fx" "$@"; }

sim --seed 11 --out "$WORK/a.ndjson" --labels "$WORK/a.labels" >"$WORK/sim.out"
sim --seed 11 --out "$WORK/b.ndjson" --labels "$WORK/b.labels" >/dev/null
sim --seed 12 --out "$WORK/c.ndjson" --labels "$WORK/c.labels" >/dev/null
cmp -s "$WORK/a.ndjson" "$WORK/b.ndjson" && cmp -s "$WORK/a.labels" "$WORK/b.labels" \
	&& ok "same seed, same bytes" || bad "seed 11 twice differs"
cmp -s "$WORK/a.ndjson" "$WORK/c.ndjson" && bad "seeds 11 and 12 give the same night" \
	|| ok "another seed, another night"
grep -q "records for 1687 precincts" "$WORK/sim.out" && ok "summary" || bad "summary: $(cat "$WORK/sim.out")"

lines=$(wc -l <"$WORK/a.ndjson")
extras=$(jq -s '[.[] | select(.kind | IN("duplicate", "conflicting_revision",
	"pre_opening", "device_burst"))] | length' "$WORK/a.labels")
[ "$lines" -eq $((1687 + extras)) ] && ok "$lines lines: 1,687 precincts + $extras extras" \
	|| bad "$lines lines, expected 1687 + $extras"
kinds=$(jq -r .kind "$WORK/a.labels" | sort -u | wc -l)
[ "$kinds" = 12 ] && ok "all 12 kinds planted" || bad "$kinds kinds planted"
# Each label names its line and that line carries its submission_id.
jq -r '"\(.line) \(.submission_id)"' "$WORK/a.labels" >"$WORK/want"
awk 'NR == FNR { want[$1] = $2; n++; next }
	(FNR in want) { split($0, f, "\""); seen++
		if (f[4] != want[FNR]) print "line " FNR ": " f[4] ", label says " want[FNR] }
	END { if (seen != n) print seen " of " n " labelled lines found" }' \
	"$WORK/want" "$WORK/a.ndjson" >"$WORK/mismatch"
[ -s "$WORK/mismatch" ] && bad "labels: $(head -n 3 "$WORK/mismatch")" || ok "labels name their lines"

# ---------------------------------------------------------- into a store
"$WARROOM" init --db "$db" --fixtures "$fx" >/dev/null
out=$("$WARROOM" ingest --db "$db" --json "$WORK/a.ndjson" 2>"$WORK/ingest.err")
dups=$(jq -s '[.[] | select(.kind == "duplicate")] | length' "$WORK/a.labels")
[ "$(echo "$out" | jq .duplicate)" = "$dups" ] && ok "$dups resends recognised" \
	|| bad "ingest: $out (expected $dups duplicates)"
[ "$(echo "$out" | jq '.quarantined + .unmatched')" = 0 ] && ok "nothing quarantined or unmatched" \
	|| bad "ingest: $out $(head -n 3 "$WORK/ingest.err")"
[ "$(q 'SELECT count(*) FROM submissions')" -eq $((lines - dups)) ] \
	&& ok "every other line stored once" || bad "stored count"

# The labels as a table, to check each against where its record went.
jq -r '[.submission_id, .kind, .precinct, (.keyed_precinct // ""), (.candidate // ""),
	(if (.keyed_votes | type) == "array" then .keyed_votes[0] else (.keyed_votes // "") end)]
	| @csv' "$WORK/a.labels" >"$WORK/labels.csv"
q "CREATE TABLE labels (sid TEXT, kind TEXT, precinct TEXT, keyed_precinct TEXT,
	candidate TEXT, keyed_votes TEXT)"
sqlite3 "$db" ".mode csv" ".import $WORK/labels.csv labels"

STORED="FROM labels l JOIN submissions s ON s.submission_id = l.sid
	LEFT JOIN precincts p ON p.id = s.precinct_id"
none() { # WHAT SQL-COUNT
	n=$(q "$2")
	[ "$n" = 0 ] && ok "$1" || bad "$1: $n wrong"
}
none "labelled records stored under the precinct they name" "SELECT count(*) $STORED
	WHERE l.kind <> 'duplicate' AND p.code IS NOT
	(CASE l.kind WHEN 'wrong_precinct' THEN l.keyed_precinct ELSE l.precinct END)"
none "resends stored once" "SELECT count(*) FROM labels l WHERE l.kind = 'duplicate'
	AND (SELECT count(*) FROM submissions s WHERE s.submission_id = l.sid) <> 1"
none "old names resolved through the alias" "SELECT count(*) $STORED
	WHERE l.kind = 'old_precinct_name' AND s.resolved_by <> 'alias_name'"
none "slipped and swapped counts stored as keyed" "SELECT count(*) $STORED
	JOIN votes v ON v.submission = s.id AND v.candidate = l.candidate
	WHERE l.candidate <> '' AND v.votes <> CAST(l.keyed_votes AS INTEGER)"
none "revisions stored as later revisions" "SELECT count(*) $STORED
	WHERE l.kind = 'conflicting_revision' AND s.revision < 2"
for pair in sum_not_total:sum_mismatch over_registered:over_registered \
	pre_opening:pre_opening conflicting_revision:conflicting_revision \
	device_burst:outside_site; do
	none "${pair%%:*} flagged ${pair#*:}" "SELECT count(*) $STORED
		WHERE l.kind = '${pair%%:*}' AND NOT EXISTS (SELECT 1 FROM flags f
		WHERE f.submission = s.id AND f.rule = '${pair#*:}')"
done

# ---------------------------------------------------------- evaluate
"$WARROOM" evaluate --fixtures "$fx" --seeds 11 --json >"$WORK/eval.json" 2>"$WORK/eval.err" \
	|| bad "evaluate failed: $(cat "$WORK/eval.err")"
[ "$(jq .records "$WORK/eval.json")" = "$lines" ] && ok "evaluate counts $lines records" \
	|| bad "evaluate records: $(jq .records "$WORK/eval.json")"
[ "$(jq '.clean.lost' "$WORK/eval.json")" = 0 ] && ok "evaluate: no clean record lost" \
	|| bad "evaluate lost clean records"
for k in sum_not_total duplicate old_precinct_name over_registered pre_opening; do
	jq -e ".kinds.$k.recall == 1" "$WORK/eval.json" >/dev/null && ok "evaluate: $k all caught" \
		|| bad "evaluate: $k recall $(jq ".kinds.$k.recall" "$WORK/eval.json")"
done
[ "$(jq '([.kinds[].planted] | add) + .clean.records' "$WORK/eval.json")" = "$lines" ] \
	&& ok "evaluate: kinds and clean add up" || bad "evaluate: kinds and clean do not add up"
"$WARROOM" evaluate --fixtures "$fx" --seeds 11 --error-rate 0 >"$WORK/eval.txt" 2>/dev/null
grep -q "clean (flag rate) *1687 " "$WORK/eval.txt" && ok "evaluate text, rate 0: 1,687 clean" \
	|| bad "evaluate text: $(cat "$WORK/eval.txt")"

# ---------------------------------------------------------- usage
set +e
sim --out "$WORK/x" --labels "$WORK/y" >/dev/null 2>&1; [ $? = 1 ] && ok "no seed: exit 1" || bad "no seed"
sim --seed 1x --out "$WORK/x" --labels "$WORK/y" >/dev/null 2>&1; [ $? = 1 ] && ok "bad seed: exit 1" || bad "bad seed"
sim --seed 1 --error-rate 2 --out "$WORK/x" --labels "$WORK/y" >/dev/null 2>&1
[ $? = 1 ] && ok "error rate above 1: exit 1" || bad "error rate"
"$WARROOM" simulate --fixtures "$WORK/none" --seed 1 --out "$WORK/x" --labels "$WORK/y" >/dev/null 2>&1
[ $? = 2 ] && ok "missing fixtures: exit 2" || bad "missing fixtures"
"$WARROOM" evaluate --seeds 1 >/dev/null 2>&1; [ $? = 1 ] && ok "evaluate without fixtures: exit 1" || bad "evaluate usage"
"$WARROOM" evaluate --fixtures "$fx" --seeds 1,x >/dev/null 2>&1; [ $? = 1 ] && ok "bad seeds: exit 1" || bad "bad seeds"
set -e
[ ! -e "$WORK/x" ] && ok "failed runs write nothing" || bad "a failed run wrote output"
exit $fail
