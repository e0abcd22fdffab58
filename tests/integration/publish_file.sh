#!/bin/sh
# Publishing to a file:// target and the documents it writes, over the Iowa
# fixtures and the sample night fed in four chunks (each ingested, bulk
# approved by a supervisor and published):
#   - the zeroes batch on a fresh store before the opening (test=true,
#     every precinct 0, all votes 0), again while no real batch exists, and
#     refused (exit 3) once one does;
#   - the county gate after the first small chunk: counties under 10%
#     approved are listed as held and their precincts show reporting 0;
#   - freezing: a validator may not (exit 3); a supervisor freezes with a
#     reason, publish exits 3 and makes no batch, status says FROZEN with
#     the reason, unfreeze lets it publish again; both are audited;
#   - publish killed with SIGKILL at random moments on copies of a store
#     with approved unpublished tallies: the store stays whole (no batch or
#     the whole batch), a rerun completes and equals a clean run;
#   - the push to file://: five files per batch dir, manifest SHA-256s and
#     sizes, latest.json, no temporary files left;
#   - every cdf.json valid against the vendored NIST schema and every
#     results.json against schemas/results.schema.json;
#   - results.json adds up (statewide = counties = precincts, reporting
#     counts) and the CSV files agree with it;
#   - tallies that are not approved (flagged, or clean but unreviewed)
#     never reach the documents.
# Env: WARROOM, ROOT, WORK (see tests/run.sh); KILLS (default 10).
set -eu
: "${WARROOM:?}" "${ROOT:?}" "${WORK:?}"
kills=${KILLS:-10}
fx=$ROOT/fixtures/iowa
night=$fx/nights/sample.ndjson
db=$WORK/night.db
pub=$WORK/pub
approve=$ROOT/build/tools/approve_counties
fail=0
ok() { echo "ok - $1"; }
bad() { echo "not ok - $1"; fail=1; }
q() { sqlite3 "$db" "$1"; }

# cli ARGS...: any warroom command; sets rc, output in $WORK/out, $WORK/err.
cli() {
	set +e
	"$WARROOM" "$@" >"$WORK/out" 2>"$WORK/err" </dev/null
	rc=$?
	set -e
}
said() { cat "$WORK/out" "$WORK/err" | tr '\n' ' ' | cut -c1-400; }
expect() { # WANT-EXIT DESCRIPTION
	if [ "$rc" = "$1" ]; then ok "$2 (exit $1)"; else bad "$2: exit $rc, want $1: $(said)"; fi
}
# body BATCH NAME OUT: a file of a batch as it sits in the outbox.
body() {
	_k=batches/$(printf '%06d' "$1")/$2
	[ "$2" = latest.json ] && _k=latest.json
	rm -f "$3"
	sqlite3 "$db" "SELECT writefile('$3', body) FROM outbox WHERE batch = $1 AND key = '$_k'" >/dev/null
	[ -f "$3" ]
}
maxbatch() { sqlite3 "${1:-$db}" "SELECT coalesce(max(id), 0) FROM batches"; }
now_ms() { date +%s%3N; }

[ -x "$approve" ] || { echo "not ok - $approve missing (make build/tools/approve_counties)"; exit 1; }
started=$(now_ms)

# --------------------------------------------------- zeroes, before opening
# The caucus opens at 2024-01-16T01:00:00Z.
export WARROOM_NOW=2024-01-15T23:00:00Z
"$WARROOM" init --db "$db" --fixtures "$fx" >/dev/null
nprec=$(q "SELECT count(*) FROM precincts")
ncty=$(q "SELECT count(*) FROM counties")
cli publish --db "$db" --zeroes --json
expect 0 "publish --zeroes on a fresh store"
body 1 results.json "$WORK/z.json" || bad "zeroes: no results.json for batch 1 in the outbox"
if [ "$(jq -r .batch "$WORK/out")" = 1 ] \
	&& [ "$(jq -c '[.batch, .test, .complete, .statewide.precincts_reporting,
	        .statewide.precincts_total, (.precincts | length), (.counties | length),
	        ([.. | objects | select(has("votes")) | .votes] | add),
	        ([.. | objects | select(has("precincts_reporting")) | .precincts_reporting] | add),
	        ([.. | objects | select(has("total_votes")) | .total_votes] | add)]' "$WORK/z.json")" \
	   = "[1,true,false,0,$nprec,$nprec,$ncty,0,0,0]" ] \
	&& [ "$(q "SELECT zeroes || test || precincts || reporting FROM batches WHERE id = 1")" = 1100 ] \
	&& [ "$(q "SELECT count(*) FROM outbox WHERE batch = 1")" = 6 ] \
	&& [ "$(q "SELECT count(*) FROM publications")" = 0 ]; then
	ok "zeroes: batch 1, test=true, all $nprec precincts reporting 0, every count 0"
else
	bad "zeroes batch: $(said); $(jq -c '[.batch, .test, .statewide]' "$WORK/z.json" 2>&1 | cut -c1-300)"
fi
body 1 cdf.json "$WORK/z.cdf.json" && [ "$(jq .IsTest "$WORK/z.cdf.json")" = true ] \
	&& [ "$(jq '[.. | objects | select(.["@type"] == "ElectionResults.VoteCounts") | .Count] | add' \
	        "$WORK/z.cdf.json")" = 0 ] \
	&& ok "zeroes: cdf.json has IsTest true and zero counts" || bad "zeroes cdf.json"
cli publish --db "$db" --zeroes
expect 0 "a second zeroes batch while no real batch exists"
[ "$(maxbatch)" = 2 ] && ok "the second zeroes run made batch 2" || bad "batches after two zeroes: $(maxbatch)"
cli publish --db "$db"
[ "$rc" = 0 ] && grep -q "nothing new to publish" "$WORK/out" && [ "$(maxbatch)" = 2 ] \
	&& ok "publish with no approved tallies: nothing new to publish, no batch" \
	|| bad "publish with nothing approved: exit $rc: $(said)"

# ------------------------------------------------- the night, in four chunks
export WARROOM_NOW=2024-01-16T06:00:00Z
WARROOM_PIN=9999 "$WARROOM" user add sup --role supervisor --db "$db" >/dev/null
WARROOM_PIN=1111 "$WARROOM" user add v1 --role validator --db "$db" >/dev/null
head -n 150 "$night" >"$WORK/c1.ndjson"
sed -n '151,700p' "$night" >"$WORK/c2.ndjson"
sed -n '701,1200p' "$night" >"$WORK/c3.ndjson"
sed -n '1201,$p' "$night" >"$WORK/c4.ndjson"
feed() { # CHUNK: ingest and bulk-approve
	"$WARROOM" ingest --db "$db" "$WORK/$1.ndjson" >/dev/null
	"$approve" "$db" sup 9999 >/dev/null
}

# ------------------------------------------------------------- the gate
feed c1
cli publish --db "$db" --json
expect 0 "publish after the first chunk"
cp "$WORK/out" "$WORK/gate.out"
gb=$(jq -r .batch "$WORK/gate.out")
[ "$gb" = 3 ] && ok "the first real batch is batch 3" || bad "first real batch: $(said)"
jq -r '.held[] | select(.why | startswith("waiting")) | .county' "$WORK/gate.out" | sort >"$WORK/held"
q "SELECT p.county_fips FROM precincts p LEFT JOIN submissions s ON s.precinct_id = p.id
   AND s.state = 'approved' GROUP BY 1
   HAVING count(s.id) > 0 AND count(DISTINCT s.precinct_id) * 10 < count(DISTINCT p.id)
   ORDER BY 1" >"$WORK/under10"
if [ -s "$WORK/held" ] && cmp -s "$WORK/held" "$WORK/under10"; then
	ok "the gate holds exactly the $(wc -l <"$WORK/held") counties under 10% approved"
else
	bad "held counties [$(tr '\n' ' ' <"$WORK/held")] vs under 10% [$(tr '\n' ' ' <"$WORK/under10")]"
fi
body "$gb" results.json "$WORK/gate.json"
held_json=$(jq -R . "$WORK/held" | jq -sc .)
got=$(jq -c --argjson h "$held_json" '
	[.precincts[] | select(.county_fips as $f | $h | index($f)) | select(.precincts_reporting != 0 or .total_votes != 0) | .code],
	[.counties[] | select(.fips as $f | $h | index($f)) | select(.precincts_reporting != 0 or .total_votes != 0) | .fips]' \
	"$WORK/gate.json" | tr '\n' ' ')
heldtallies=$(q "SELECT count(*) FROM submissions s JOIN precincts p ON p.id = s.precinct_id
	WHERE s.state = 'approved' AND p.county_fips IN (SELECT value FROM json_each('$held_json'))")
if [ "$got" = "[] [] " ] && [ "$heldtallies" -gt 0 ]; then
	ok "the held counties' $heldtallies approved tallies are not in results.json (reporting 0, no votes)"
else
	bad "held counties in results.json: reporting precincts/counties $got; $heldtallies tallies held"
fi
[ "$(q "SELECT count(*) FROM publications pub JOIN precincts p ON p.id = pub.precinct_id
        WHERE p.county_fips IN (SELECT value FROM json_each('$held_json'))")" = 0 ] \
	&& ok "no publication rows for held counties" || bad "held counties have publication rows"
cli publish --db "$db" --zeroes
expect 3 "--zeroes once a real batch went out"
[ "$(maxbatch)" = "$gb" ] && grep -q "already published" "$WORK/err" \
	&& ok "the refused zeroes made no batch and says why" || bad "refused zeroes: $(said); batches $(maxbatch)"

# ------------------------------------------------------------ the freeze
feed c2
before=$(q "SELECT (SELECT count(*) FROM batches) || '/' || (SELECT count(*) FROM outbox) || '/' ||
	(SELECT count(*) FROM publications) || '/' || (SELECT count(*) FROM batch_items)")
set +e
WARROOM_PIN=1111 "$WARROOM" publish freeze --db "$db" --user v1 --reason "I say so" \
	>"$WORK/out" 2>"$WORK/err" </dev/null
rc=$?
set -e
expect 3 "a validator cannot freeze publishing"
set +e
WARROOM_PIN=9999 "$WARROOM" publish freeze --db "$db" --user sup >"$WORK/out" 2>"$WORK/err" </dev/null
rc=$?
set -e
expect 1 "freeze without --reason"
reason="Polk County recount call at 23:10"
set +e
WARROOM_PIN=9999 "$WARROOM" publish freeze --db "$db" --user sup --reason "$reason" \
	>"$WORK/out" 2>"$WORK/err" </dev/null
rc=$?
set -e
expect 0 "the supervisor freezes publishing with a reason"
cli publish --db "$db"
expect 3 "publish while frozen"
now=$(q "SELECT (SELECT count(*) FROM batches) || '/' || (SELECT count(*) FROM outbox) || '/' ||
	(SELECT count(*) FROM publications) || '/' || (SELECT count(*) FROM batch_items)")
[ "$now" = "$before" ] && ok "frozen: no batch, outbox or publication rows ($now)" \
	|| bad "frozen publish changed the store: $before -> $now"
cli publish status --db "$db" --to "file://$pub"
[ "$rc" = 0 ] && grep -q "FROZEN" "$WORK/out" && grep -qF "$reason" "$WORK/out" && grep -q "by sup" "$WORK/out" \
	&& ok "publish status: FROZEN by sup with the reason" || bad "status while frozen: exit $rc: $(said)"
cli publish status --db "$db" --json
[ "$rc" = 0 ] && [ "$(jq -c '[.frozen, .frozen_by, .frozen_reason]' "$WORK/out")" = "[true,\"sup\",\"$reason\"]" ] \
	&& ok "publish status --json: frozen, by, reason" || bad "status --json while frozen: $(said)"
set +e
WARROOM_PIN=1111 "$WARROOM" publish unfreeze --db "$db" --user v1 >"$WORK/out" 2>"$WORK/err" </dev/null
rc=$?
set -e
expect 3 "a validator cannot unfreeze either"
set +e
WARROOM_PIN=9999 "$WARROOM" publish unfreeze --db "$db" --user sup >"$WORK/out" 2>"$WORK/err" </dev/null
rc=$?
set -e
expect 0 "the supervisor unfreezes"
cli publish status --db "$db"
grep -q "publishing open" "$WORK/out" && ok "status: publishing open again" || bad "status after unfreeze: $(said)"
cli publish --db "$db"
[ "$rc" = 0 ] && [ "$(maxbatch)" = $((gb + 1)) ] && ok "publish after unfreeze makes batch $((gb + 1))" \
	|| bad "publish after unfreeze: exit $rc: $(said)"
[ "$(q "SELECT group_concat(action || ':' || actor, ' ') FROM (SELECT action, actor FROM audit
        WHERE action LIKE 'publish_%' ORDER BY id)")" = "publish_freeze:sup publish_unfreeze:sup" ] \
	&& [ "$(q "SELECT json_extract(details, '$.reason') FROM audit WHERE action = 'publish_freeze'")" = "$reason" ] \
	&& ok "audit: publish_freeze (with the reason) and publish_unfreeze by sup, nothing for the refusals" \
	|| bad "audit: $(q "SELECT group_concat(action || ':' || actor || ':' || details, ' | ') FROM audit WHERE action LIKE 'publish_%'")"

feed c3
cli publish --db "$db"
[ "$rc" = 0 ] && [ "$(maxbatch)" = $((gb + 2)) ] && ok "third real batch" || bad "third chunk: exit $rc: $(said)"

# ------------------------------------------------ crash safety of publish
feed c4
rm -f "$WORK/base.db"
q "VACUUM INTO '$WORK/base.db'"
b0=$(maxbatch "$WORK/base.db")
unpub=$(sqlite3 "$WORK/base.db" "SELECT count(*) FROM submissions s LEFT JOIN publications p ON p.submission = s.id
	WHERE s.state = 'approved' AND p.submission IS NULL")
# The clean run: on the night's own store.
t0=$(now_ms)
cli publish --db "$db" --json
span=$(($(now_ms) - t0))
cp "$WORK/out" "$WORK/clean.out"
[ "$rc" = 0 ] && [ "$(jq .batch "$WORK/clean.out")" = $((b0 + 1)) ] && [ "$unpub" -gt 0 ] \
	&& ok "clean run: batch $((b0 + 1)), $unpub approved tallies published in $span ms" \
	|| bad "clean run: exit $rc: $(said)"
body $((b0 + 1)) results.json "$WORK/clean.json"
parts='{statewide, counties, precincts}'
jq -S -c "$parts" "$WORK/clean.json" >"$WORK/clean.parts"
[ "$span" -lt 20 ] && span=20
crashdb=$WORK/crash.db
cq() { sqlite3 "$crashdb" "$1"; }
i=0 whole=0 none=0 landed=0 crashbad=0
while [ "$i" -lt "$kills" ]; do
	i=$((i + 1))
	rm -f "$crashdb" "$crashdb-wal" "$crashdb-shm"
	cp "$WORK/base.db" "$crashdb"
	delay=$(awk -v s="$i" -v span="$span" 'BEGIN { srand(s * 7919 + 17); printf "%.3f", rand() * span * 1.5 / 1000 }')
	"$WARROOM" publish --db "$crashdb" >/dev/null 2>&1 </dev/null &
	pid=$!
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null || :
	# 137: SIGKILL ended it (a kill sent after it exited reaps a zombie: 0).
	st=0
	wait "$pid" 2>/dev/null || st=$?
	[ "$st" = 137 ] && landed=$((landed + 1))
	r=$(cq "PRAGMA integrity_check; PRAGMA foreign_key_check;")
	[ "$r" = ok ] || { bad "kill $i at ${delay}s: integrity: $r"; crashbad=1; continue; }
	nb=$(maxbatch "$crashdb")
	if [ "$nb" = "$b0" ]; then
		r=$(cq "SELECT (SELECT count(*) FROM outbox WHERE batch > $b0) + (SELECT count(*) FROM publications WHERE batch > $b0)
		        + (SELECT count(*) FROM batch_items WHERE batch > $b0)")
		[ "$r" = 0 ] || { bad "kill $i at ${delay}s: no batch $((b0 + 1)) but $r rows for it"; crashbad=1; }
		none=$((none + 1))
	elif [ "$nb" = $((b0 + 1)) ]; then
		r=$(cq "SELECT (SELECT count(*) FROM outbox WHERE batch = $nb) || ' ' ||
		        (SELECT group_concat(key, ',') FROM (SELECT key FROM outbox WHERE batch = $nb ORDER BY id)) || ' ' ||
		        (SELECT count(*) FROM publications WHERE batch = $nb) || ' ' ||
		        (SELECT count(*) FROM batch_items WHERE batch = $nb) || ' ' ||
		        (SELECT precincts FROM batches WHERE id = $nb) || ' ' ||
		        (SELECT count(*) FROM batch_items b JOIN publications p ON p.submission = b.submission AND p.batch = $nb
		          WHERE b.batch = $nb) || ' ' ||
		        (SELECT count(*) FROM audit WHERE action = 'publish' AND subject = 'batch ' || printf('%06d', $nb))")
		k=$(printf '%06d' "$nb")
		want="6 batches/$k/results.json,batches/$k/cdf.json,batches/$k/counties.csv,batches/$k/precincts.csv,batches/$k/manifest.json,latest.json $unpub $unpub $unpub $unpub 1"
		[ "$r" = "$want" ] || { bad "kill $i at ${delay}s: batch $nb is not whole: $r (want $want)"; crashbad=1; }
		whole=$((whole + 1))
	else
		bad "kill $i at ${delay}s: newest batch $nb (base had $b0)"
		crashbad=1
		continue
	fi
	if ! "$WARROOM" publish --db "$crashdb" >"$WORK/rerun.out" 2>&1 </dev/null; then
		bad "kill $i: the rerun failed: $(cat "$WORK/rerun.out")"
		crashbad=1
		continue
	fi
	r=$(cq "PRAGMA integrity_check")
	[ "$r" = ok ] && [ "$(maxbatch "$crashdb")" = $((b0 + 1)) ] \
		|| { bad "kill $i: after the rerun: integrity $r, newest batch $(maxbatch "$crashdb")"; crashbad=1; continue; }
	rm -f "$WORK/crash.json"
	cq "SELECT writefile('$WORK/crash.json', body) FROM outbox WHERE batch = $((b0 + 1)) AND key LIKE '%/results.json'" >/dev/null
	if ! jq -S -c "$parts" "$WORK/crash.json" | cmp -s - "$WORK/clean.parts"; then
		bad "kill $i at ${delay}s: the final results.json differs from a clean run"
		crashbad=1
	fi
done
[ "$crashbad" = 0 ] && [ "$none" -gt 0 ] && [ "$landed" -ge $((kills / 2)) ] \
	&& ok "$kills SIGKILLs of publish ($landed while it ran; $none left no batch, $whole a whole one): store whole each time, a rerun equals the clean run" \
	|| { [ "$crashbad" = 1 ] || bad "kills: $landed of $kills landed while publish ran, $none before its commit, $whole after"; }
# The clean run's numbers are the approved tallies of gate-open counties
# (and, in a county whose gate is closed, what was published before).
held_now=$(jq -c '[.held[].county]' "$WORK/clean.out")
sqlite3 "$WORK/base.db" "
	WITH held(f) AS (SELECT value FROM json_each('$held_now')),
	pick(id) AS (
	  SELECT s.id FROM submissions s JOIN precincts p ON p.id = s.precinct_id
	   WHERE s.state = 'approved' AND p.county_fips NOT IN (SELECT f FROM held)
	  UNION ALL
	  SELECT pub.submission FROM publications pub JOIN precincts p ON p.id = pub.precinct_id
	   WHERE p.county_fips IN (SELECT f FROM held))
	SELECT v.candidate || ' ' || sum(v.votes) FROM pick JOIN votes v ON v.submission = pick.id
	 GROUP BY v.candidate ORDER BY 1" >"$WORK/want.sums"
jq -r '.statewide.candidates[] | "\(.id) \(.votes)"' "$WORK/clean.json" | LC_ALL=C sort >"$WORK/got.sums"
LC_ALL=C sort -o "$WORK/want.sums" "$WORK/want.sums"
if cmp -s "$WORK/want.sums" "$WORK/got.sums" && [ -s "$WORK/got.sums" ]; then
	ok "final statewide votes = sums over approved tallies of gate-open counties ($(jq .statewide.total_votes "$WORK/clean.json") votes, held $held_now)"
else
	bad "final statewide votes [$(tr '\n' ' ' <"$WORK/got.sums")] vs store [$(tr '\n' ' ' <"$WORK/want.sums")]"
fi

# ------------------------------------------------------------ the push
nb=$(maxbatch)
cli push --db "$db" --to "file://$pub" --tries 2 --timeout 10
expect 0 "push of $nb batches to file://"
dirs=$(cd "$pub/batches" && ls | tr '\n' ' ')
want=$(seq 1 "$nb" | xargs printf '%06d ')
[ "$dirs" = "$want" ] && ok "batch dirs 000001..$(printf '%06d' "$nb")" || bad "batch dirs: $dirs (want $want)"
b=0 mbad=""
while [ "$b" -lt "$nb" ]; do
	b=$((b + 1))
	d=$pub/batches/$(printf '%06d' "$b")
	[ "$(ls "$d" | tr '\n' ' ')" = "cdf.json counties.csv manifest.json precincts.csv results.json " ] \
		|| mbad="$mbad $b:files($(ls "$d" | tr '\n' ' '))"
	# The manifest lists the four documents with their sizes and hashes.
	jq -r '.files[] | "\(.sha256)  \(.path)"' "$d/manifest.json" >"$WORK/m.sums"
	[ "$(cut -c67- "$WORK/m.sums" | tr '\n' ' ')" = "results.json cdf.json counties.csv precincts.csv " ] \
		|| mbad="$mbad $b:listed($(cut -c67- "$WORK/m.sums" | tr '\n' ' '))"
	(cd "$d" && sha256sum -c --quiet "$WORK/m.sums") >/dev/null 2>&1 || mbad="$mbad $b:sha256"
	for f in $(jq -r '.files[] | "\(.path)=\(.bytes)"' "$d/manifest.json"); do
		[ "$(wc -c <"$d/${f%=*}")" = "${f#*=}" ] || mbad="$mbad $b:bytes:${f%=*}"
	done
	[ "$(jq -c '[.batch, .test]' "$d/manifest.json")" = "[$b,$([ "$b" -le 2 ] && echo true || echo false)]" ] \
		|| mbad="$mbad $b:manifest-head"
	[ "$(sha256sum <"$d/manifest.json" | cut -c1-64)" = "$(q "SELECT lower(hex(manifest)) FROM batches WHERE id = $b")" ] \
		|| mbad="$mbad $b:batches.manifest"
	for f in results.json cdf.json counties.csv precincts.csv manifest.json; do
		body "$b" "$f" "$WORK/ob" && cmp -s "$WORK/ob" "$d/$f" || mbad="$mbad $b:outbox:$f"
	done
done
[ -z "$mbad" ] && ok "each of the $nb batch dirs: the 5 files, equal to the outbox, manifest sizes and sha256 match" \
	|| bad "batch dirs:$mbad"
[ "$(jq -c '[.batch, .path]' "$pub/latest.json")" = "[$nb,\"batches/$(printf '%06d' "$nb")/\"]" ] \
	&& [ "$(jq -r .last_updated "$pub/latest.json")" = "$(jq -r .last_updated "$pub/batches/$(printf '%06d' "$nb")/results.json")" ] \
	&& ok "latest.json names batch $nb" || bad "latest.json: $(cat "$pub/latest.json")"
tmps=$(find "$pub" -name '*.tmp*' | head -5)
[ -z "$tmps" ] && [ "$(find "$pub" -type f | wc -l)" = $((nb * 5 + 1)) ] \
	&& ok "no temporary files left ($((nb * 5 + 1)) files in all)" || bad "stray files: $tmps $(find "$pub" -type f | wc -l)"
cli publish status --db "$db" --to "file://$pub" --json
[ "$(jq -c '[.frozen, .last_batch_pushed, .backlog]' "$WORK/out")" = "[false,$nb,0]" ] \
	&& ok "publish status: batch $nb out, nothing waiting" || bad "status after push: $(said)"
cli push --db "$db" --to "file://$pub"
[ "$rc" = 0 ] && grep -q "pushed 0 files" "$WORK/out" && ok "a second push has nothing to do" \
	|| bad "second push: exit $rc: $(said)"

# ------------------------------------------------------------ schemas
if /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
	# The two validations in parallel (each takes some seconds).
	/usr/bin/python3 "$ROOT/tests/tools/validate_json.py" "$ROOT/schemas/nist/NIST_V2_election_results_reporting.json" \
		"$pub"/batches/*/cdf.json >"$WORK/v1.out" 2>&1 &
	v1=$!
	/usr/bin/python3 "$ROOT/tests/tools/validate_json.py" "$ROOT/schemas/results.schema.json" \
		"$pub"/batches/*/results.json >"$WORK/v2.out" 2>&1 &
	v2=$!
	if wait "$v1"; then
		ok "every cdf.json ($nb) valid against the NIST CDF schema"
	else
		bad "cdf.json against the NIST schema: $(head -c 600 "$WORK/v1.out")"
	fi
	if wait "$v2"; then
		ok "every results.json ($nb) valid against schemas/results.schema.json"
	else
		bad "results.json against its schema: $(head -c 600 "$WORK/v2.out")"
	fi
else
	bad "cannot validate against the schemas: /usr/bin/python3 has no jsonschema (apt-get install --no-install-recommends python3-jsonschema)"
fi

# ------------------------------------------- results.json adds up; CSVs agree
sums='
def total(f): reduce f as $x (0; . + $x);
def votes: [.candidates[].votes];
def vsum(units): (.candidates | length) as $n | [range(0; $n) as $i | total(units | .candidates[$i].votes)];
. as $r
| ($r.precincts | group_by(.county_fips)
   | map({key: .[0].county_fips, value: {n: length, rep: total(.[].precincts_reporting),
          v: ([range(0; ($r.candidates | length)) as $i | total(.[].candidates[$i].votes)])}})
   | from_entries) as $byc
| [ (if ($r.statewide | votes) != ($r | vsum($r.counties[])) then "statewide votes != sum of counties" else empty end),
    (if ($r.statewide | votes) != ($r | vsum($r.precincts[])) then "statewide votes != sum of precincts" else empty end),
    (if $r.statewide.total_votes != total($r.counties[].total_votes) then "statewide total_votes != counties" else empty end),
    (if $r.statewide.total_votes != total($r.precincts[].total_votes) then "statewide total_votes != precincts" else empty end),
    (if $r.statewide.precincts_reporting != ([$r.precincts[] | select(.precincts_reporting == 1)] | length)
     then "statewide precincts_reporting != precincts reporting 1" else empty end),
    (if $r.statewide.precincts_reporting != total($r.counties[].precincts_reporting)
     then "statewide precincts_reporting != counties" else empty end),
    (if $r.statewide.precincts_total != ($r.precincts | length) then "precincts_total != precincts listed" else empty end),
    (if $r.complete != ($r.statewide.precincts_reporting == $r.statewide.precincts_total) then "complete wrong" else empty end),
    ([$r.statewide, $r.counties[], $r.precincts[]] | map(select(.total_votes != total(.candidates[].votes)))
     | if length > 0 then "total_votes != candidates sum in \(length) units" else empty end),
    ([$r.precincts[] | select(.precincts_reporting == 0 and .total_votes != 0) | .code]
     | if length > 0 then "non-reporting precincts with votes: \(.[:5])" else empty end),
    ([$r.counties[] | select(($byc[.fips] // {n: 0, rep: 0, v: []}) as $c
        | .precincts_total != $c.n or .precincts_reporting != $c.rep or votes != $c.v) | .fips]
     | if length > 0 then "counties not the sum of their precincts: \(.[:5])" else empty end)
  ] | join("; ")'
b=0 ibad=""
while [ "$b" -lt "$nb" ]; do
	b=$((b + 1))
	d=$pub/batches/$(printf '%06d' "$b")
	r=$(jq -r "$sums" "$d/results.json")
	[ -z "$r" ] || ibad="$ibad [batch $b: $r]"
	jq -r '.counties[] | [.fips, .precincts_reporting, .precincts_total, .total_votes] + [.candidates[].votes] | map(tostring) | join(",")' \
		"$d/results.json" >"$WORK/cj"
	tr -d '\r' <"$d/counties.csv" | awk -F, 'NR > 1 { s = $1; for (i = NF - 9; i <= NF; i++) s = s "," $i; print s }' >"$WORK/cc"
	cmp -s "$WORK/cj" "$WORK/cc" || ibad="$ibad [batch $b: counties.csv != results.json: $(diff "$WORK/cj" "$WORK/cc" | head -3 | tr '\n' ' ')]"
	[ "$(head -n 1 "$d/counties.csv" | tr -d '\r')" = \
	  "fips,county,precincts_reporting,precincts_total,total_votes,$(jq -r '[.candidates[].id] | join(",")' "$d/results.json")" ] \
		|| ibad="$ibad [batch $b: counties.csv header]"
	jq -r '.precincts[] | [.code, .precincts_reporting, .total_votes] + [.candidates[].votes] | map(tostring) | join(",")' \
		"$d/results.json" >"$WORK/pj"
	tr -d '\r' <"$d/precincts.csv" | awk -F, 'NR > 1 { s = $1; for (i = NF - 8; i <= NF; i++) s = s "," $i; print s }' >"$WORK/pc"
	cmp -s "$WORK/pj" "$WORK/pc" || ibad="$ibad [batch $b: precincts.csv != results.json: $(diff "$WORK/pj" "$WORK/pc" | head -3 | tr '\n' ' ')]"
	[ "$(wc -l <"$WORK/pc")" = "$(jq .statewide.precincts_total "$d/results.json")" ] \
		|| ibad="$ibad [batch $b: precincts.csv has $(wc -l <"$WORK/pc") rows]"
	[ "$(jq -r .batch "$d/results.json")" = "$b" ] || ibad="$ibad [batch $b: .batch]"
done
[ -z "$ibad" ] && ok "results.json of all $nb batches adds up (statewide = counties = precincts, reporting counts); counties.csv and precincts.csv agree" \
	|| bad "results.json invariants:$ibad"

# ---------------------------------------- only approved tallies are public
fin=$pub/batches/$(printf '%06d' "$nb")/results.json
jq -r '.precincts[] | select(.precincts_reporting == 1) | .code' "$fin" | LC_ALL=C sort >"$WORK/rep.codes"
q "SELECT p.code FROM publications pub JOIN precincts p ON p.id = pub.precinct_id
   JOIN submissions s ON s.id = pub.submission WHERE s.state = 'approved'" | LC_ALL=C sort >"$WORK/pub.codes"
[ -s "$WORK/rep.codes" ] && cmp -s "$WORK/rep.codes" "$WORK/pub.codes" \
	&& [ "$(q "SELECT count(*) FROM publications pub JOIN submissions s ON s.id = pub.submission
	           WHERE s.state <> 'approved' OR s.precinct_id <> pub.precinct_id")" = 0 ] \
	&& ok "the $(wc -l <"$WORK/rep.codes") reporting precincts are exactly those with a published approved tally" \
	|| bad "reporting precincts ($(wc -l <"$WORK/rep.codes")) vs published approved tallies ($(wc -l <"$WORK/pub.codes"))"
q "SELECT s.state || ' ' || p.code FROM submissions s JOIN precincts p ON p.id = s.precinct_id
   WHERE s.state IN ('flagged', 'clean') AND NOT EXISTS (SELECT 1 FROM submissions a
     WHERE a.precinct_id = s.precinct_id AND a.state = 'approved') ORDER BY s.id" >"$WORK/unappr"
fl=$(grep -m1 '^flagged ' "$WORK/unappr" | cut -d' ' -f2 || :)
n_un=$(wc -l <"$WORK/unappr")
leak=$(cut -d' ' -f2 "$WORK/unappr" | jq -R . | jq -s . >"$WORK/unappr.json" &&
	jq -c --slurpfile u "$WORK/unappr.json" '[.precincts[] | select(.code as $c | $u[0] | index($c))
	  | select(.precincts_reporting != 0 or .total_votes != 0) | .code]' "$fin")
if [ -n "$fl" ] && [ "$(jq -c --arg c "$fl" '[.precincts[] | select(.code == $c) | .precincts_reporting, .total_votes]' "$fin")" = "[0,0]" ] \
	&& tr -d '\r' <"${fin%/*}/precincts.csv" | awk -F, -v c="$fl" '$1 == c { f = 1; if ($(NF - 8) != 0) exit 1 } END { exit !f }' \
	&& [ "$leak" = "[]" ]; then
	ok "flagged tally's precinct $fl reports 0 in results.json and precincts.csv; none of the $n_un unapproved tallies' precincts report"
else
	bad "unapproved tallies in the documents: flagged precinct '$fl'; reporting among unapproved: $leak"
fi

echo "# publish_file: $(( ($(now_ms) - started) / 1000 )) s"
exit "$fail"
