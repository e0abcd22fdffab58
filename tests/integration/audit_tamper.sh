#!/bin/sh
# The audit trail notices tampering. A store with a realistic trail (fixtures,
# the sample night's ingest, users, claims, approvals, a four-eyes approval,
# an override, a rejection, a bulk approval) is copied once per case and
# changed behind warroom's back with the sqlite3 CLI: a middle record's
# details edited, a middle record deleted, two records' contents swapped,
# the newest record deleted, the chain head edited, a record's actor edited.
# `warroom audit verify` must exit 1 naming the tampered record; the
# untouched copy verifies (exit 0). `audit export` is NDJSON, one line per
# record, that reproduces the chain's links.
set -eu
: "${WARROOM:?}" "${ROOT:?}" "${WORK:?}"
fx=$ROOT/fixtures/iowa
base=$WORK/base.db
export WARROOM_NOW=2024-01-16T06:00:00Z
fail=0
ok() { echo "ok - $1"; }
bad() { echo "not ok - $1"; fail=1; }
q() { sqlite3 "$base" "$1"; }
rv() { # USER PIN ARGS...
	_u=$1 _p=$2
	shift 2
	WARROOM_PIN=$_p "$WARROOM" review --db "$base" --user "$_u" "$@" </dev/null
}

# ------------------------------------------------------------ a real trail
"$WARROOM" init --db "$base" --fixtures "$fx" >/dev/null
"$WARROOM" ingest --db "$base" "$fx/nights/sample.ndjson" >/dev/null
for u in v1:validator:1111 v2:validator:2222 sup:supervisor:9999; do
	name=${u%%:*} rest=${u#*:}
	WARROOM_PIN=${rest#*:} "$WARROOM" user add "$name" --role "${rest%%:*}" --db "$base" >/dev/null
done
sid() { q "SELECT submission_id FROM submissions ORDER BY id LIMIT 1 OFFSET $1"; }
# Plain approvals by both validators.
i=0
while [ $i -lt 6 ]; do
	s=$(sid $i)
	if [ $((i % 2)) = 0 ]; then u=v1 p=1111; else u=v2 p=2222; fi
	rv $u $p claim "$s" >/dev/null
	rv $u $p approve "$s" >/dev/null
	i=$((i + 1))
done
# A hard flag approved by two validators, one overridden by a supervisor.
hard1=$(sid 10) hard2=$(sid 11)
for s in "$hard1" "$hard2"; do
	q "INSERT INTO flags (submission, rule, severity, message, created_at)
	   SELECT id, 'test_rule', 'hard', 'planted', '$WARROOM_NOW' FROM submissions
	   WHERE submission_id = '$s'"
done
rv v1 1111 claim "$hard1" >/dev/null
rv v1 1111 approve "$hard1" >/dev/null
rv v2 2222 claim "$hard1" >/dev/null
rv v2 2222 approve "$hard1" >/dev/null
rv sup 9999 override "$hard2" --reason "county chair confirmed by phone" >/dev/null
# A rejection, a release, and a county approved in bulk.
rej=$(sid 12)
rv v2 2222 claim "$rej" >/dev/null
rv v2 2222 reject "$rej" --reason "votes do not add up" >/dev/null
rv v1 1111 claim "$(sid 13)" >/dev/null
rv v1 1111 release "$(sid 13)" >/dev/null
county=$(q "SELECT p.county_fips FROM submissions s JOIN precincts p ON p.id = s.precinct_id
            WHERE s.state = 'received' GROUP BY 1 ORDER BY count(*), 1 LIMIT 1")
rv v1 1111 bulk-approve --county "$county" >/dev/null
rv v2 2222 claim "$(sid 14)" >/dev/null
rv v2 2222 approve "$(sid 14)" >/dev/null

last=$(q "SELECT max(id) FROM audit")
n=$(q "SELECT count(*) FROM audit")
[ "$n" -gt 1700 ] && [ "$n" = "$last" ] \
	&& ok "a trail of $n records: $(q "SELECT group_concat(action || ' ' || c, ', ') FROM
	      (SELECT action, count(*) c FROM audit GROUP BY action ORDER BY action)")" \
	|| bad "trail: $n records, last id $last"
set +e
"$WARROOM" audit verify --db "$base" >"$WORK/out" 2>&1
rc=$?
set -e
[ "$rc" = 0 ] && grep -q "verified: $n records" "$WORK/out" \
	&& ok "the untouched store verifies ($(cat "$WORK/out"))" || bad "untouched: exit $rc: $(cat "$WORK/out")"
sqlite3 "$base" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null

# Records to tamper with, all from the review part of the trail.
id_of() { # ACTION SUBJECT [ACTOR]
	q "SELECT min(id) FROM audit WHERE action = '$1' AND subject = '$2'
	   AND ('${3:-}' = '' OR actor = '${3:-}')"
}
rej_id=$(id_of reject "$rej")
mid_id=$(id_of approve "$(sid 3)")
swap_a=$(id_of approve "$hard1" v1)
swap_b=$(id_of approve "$hard1" v2)
actor_id=$(id_of override "$hard2")
for v in "$rej_id" "$mid_id" "$swap_a" "$swap_b" "$actor_id"; do
	[ -n "$v" ] && [ "$v" -gt 1 ] && [ "$v" -lt "$last" ] || bad "no middle record to tamper ($v)"
done

# tamper NAME WANT-ID SQL: a fresh copy, the change, then verify.
tamper() {
	_db=$WORK/$1.db
	rm -f "$_db" "$_db-wal" "$_db-shm"
	sqlite3 "$base" ".backup '$_db'"
	if ! sqlite3 "$_db" "$3"; then
		bad "$1: the tampering SQL failed"
		return
	fi
	set +e
	"$WARROOM" audit verify --db "$_db" >"$WORK/$1.out" 2>&1
	_rc=$?
	set -e
	if [ "$_rc" = 1 ] && grep -q "BROKEN at record $2\b" "$WORK/$1.out"; then
		ok "$1: verify exits 1: $(cat "$WORK/$1.out")"
	else
		bad "$1: exit $_rc, want 1 naming record $2: $(cat "$WORK/$1.out")"
	fi
}

tamper details "$rej_id" \
	"UPDATE audit SET details = json_set(details, '$.reason', 'looked fine') WHERE id = $rej_id"
tamper delete-middle "$mid_id" "DELETE FROM audit WHERE id = $mid_id"
# The two records trade everything but their ids...
tamper swap-contents "$swap_a" "
	CREATE TEMP TABLE two AS SELECT * FROM audit WHERE id IN ($swap_a, $swap_b);
	UPDATE audit SET (at, actor, action, subject, details) =
	  (SELECT at, actor, action, subject, details FROM two
	   WHERE two.id = CASE audit.id WHEN $swap_a THEN $swap_b ELSE $swap_a END)
	WHERE id IN ($swap_a, $swap_b);"
# ...and, done more carefully, their hashes too.
tamper swap-rows "$swap_a" "
	CREATE TEMP TABLE two AS SELECT * FROM audit WHERE id IN ($swap_a, $swap_b);
	UPDATE audit SET (at, actor, action, subject, details, prev_hash, hash) =
	  (SELECT at, actor, action, subject, details, prev_hash, hash FROM two
	   WHERE two.id = CASE audit.id WHEN $swap_a THEN $swap_b ELSE $swap_a END)
	WHERE id IN ($swap_a, $swap_b);"
tamper delete-newest "$last" "DELETE FROM audit WHERE id = $last"
tamper actor "$actor_id" "UPDATE audit SET actor = 'v1' WHERE id = $actor_id"

# The head: its hash no longer matches the newest record. There is no record
# to name but the head, so the output must name the head and record $last.
db=$WORK/head.db
sqlite3 "$base" ".backup '$db'"
sqlite3 "$db" "UPDATE audit_head SET hash = randomblob(32)"
set +e
"$WARROOM" audit verify --db "$db" >"$WORK/head.out" 2>&1
rc=$?
set -e
[ "$rc" = 1 ] && grep -q "BROKEN at record" "$WORK/head.out" && grep -q "head" "$WORK/head.out" \
	&& grep -q "record $last\b" "$WORK/head.out" \
	&& ok "head-hash: verify exits 1: $(cat "$WORK/head.out")" \
	|| bad "head-hash: exit $rc, want 1 naming the head and record $last: $(cat "$WORK/head.out")"
# The head moved back one record (as if the newest were hidden).
db=$WORK/head-back.db
sqlite3 "$base" ".backup '$db'"
sqlite3 "$db" "UPDATE audit_head SET last_id = last_id - 1"
set +e
"$WARROOM" audit verify --db "$db" >"$WORK/head-back.out" 2>&1
rc=$?
set -e
[ "$rc" = 1 ] && grep -q "BROKEN at record" "$WORK/head-back.out" \
	&& grep -q "record $last\b" "$WORK/head-back.out" \
	&& ok "head-back: verify exits 1: $(cat "$WORK/head-back.out")" \
	|| bad "head-back: exit $rc, want 1 naming record $last: $(cat "$WORK/head-back.out")"

# The untouched copy, after all that, still verifies.
db=$WORK/untouched.db
sqlite3 "$base" ".backup '$db'"
set +e
"$WARROOM" audit verify --db "$db" >"$WORK/untouched.out" 2>&1
rc=$?
set -e
[ "$rc" = 0 ] && ok "an untouched copy verifies (exit 0)" || bad "untouched copy: exit $rc: $(cat "$WORK/untouched.out")"

# ------------------------------------------------------------------ export
"$WARROOM" audit export --db "$base" >"$WORK/export.ndjson"
"$WARROOM" audit export --db "$base" --out "$WORK/export-file.ndjson"
cmp -s "$WORK/export.ndjson" "$WORK/export-file.ndjson" \
	&& ok "export --out FILE writes what stdout gets" || bad "export --out differs"
lines=$(wc -l <"$WORK/export.ndjson")
[ "$lines" = "$n" ] && ok "export: one line per record ($lines)" || bad "export: $lines lines for $n records"
if jq -c . "$WORK/export.ndjson" >"$WORK/export.jq" 2>"$WORK/jq.err" && [ "$(wc -l <"$WORK/export.jq")" = "$n" ]; then
	ok "export: every line is one JSON object (jq -c)"
else
	bad "export is not NDJSON: $(head -c 300 "$WORK/jq.err")"
fi
# Each line, read as a string and parsed on its own, is one object (no
# record spans two lines, no line holds two).
bad_lines=$(jq -R -r 'try (fromjson | if type == "object" then "ok" else "bad" end) catch "bad"' \
	"$WORK/export.ndjson" | grep -vc '^ok$' || true)
[ "$bad_lines" = 0 ] && ok "export: each line parses alone" || bad "export: $bad_lines lines do not parse alone"
[ "$(jq -s '[.[].id] == [range(1; length + 1)]' "$WORK/export.ndjson")" = true ] \
	&& ok "export: ids 1..$n in order" || bad "export ids"
[ "$(jq -s '[range(1; length) as $i | .[$i].prev_hash == .[$i - 1].hash] | all' "$WORK/export.ndjson")" = true ] \
	&& [ "$(jq -s '.[0].prev_hash == ("0" * 64) and (map(.hash | test("^[0-9a-f]{64}$")) | all)' "$WORK/export.ndjson")" = true ] \
	&& ok "export: each record's prev_hash is the previous record's hash" || bad "export: chain links"
[ "$(jq -s 'map(select((.details | type) != "object")) | length' "$WORK/export.ndjson")" = 0 ] \
	&& ok "export: details are JSON objects, not strings" || bad "export: details"
[ "$(jq -r 'select(.action == "reject") | .details.reason' "$WORK/export.ndjson")" = "votes do not add up" ] \
	&& [ "$(jq -r 'select(.action == "override") | .actor + " " + .details.reason' "$WORK/export.ndjson")" = \
	     "sup county chair confirmed by phone" ] \
	&& ok "export: the rejection and the override carry their reasons" || bad "export: reasons"
[ "$(jq -s 'map(select(.action == "ingest")) | length' "$WORK/export.ndjson")" = \
	"$(wc -l <"$fx/nights/sample.ndjson")" ] && ok "export: one ingest record per tally" \
	|| bad "export: ingest records"
exit $fail
