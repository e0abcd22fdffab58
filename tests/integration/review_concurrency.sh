#!/bin/sh
# Six validators, intake and a reader on one store at once, as on caucus
# night. Six validator_sim processes take the queue while `warroom ingest`
# feeds the sample night in ten chunks and a reader loops `warroom status
# --json`. Intake scores every tally as it stores it (the fixtures' rules
# flag a few dozen with warnings), and about 2% more arrive hard-flagged: a
# test trigger plants the flag each time the scorer gives its verdict, since
# the sample night trips no hard rule. So four eyes are exercised under
# contention too. Afterwards: every tally
# has exactly one decision, none pending, none decided twice; no claim was
# ever held by two validators (rebuilt from the audit trail); nobody saw
# "database is locked"; the audit chain verifies; the file is intact.
# Every loop is bounded in count and in time.
set -eu
: "${WARROOM:?}" "${ROOT:?}" "${WORK:?}"
fx=$ROOT/fixtures/iowa
night=$fx/nights/sample.ndjson
db=$WORK/night.db
export WARROOM_NOW=2024-01-16T06:00:00Z
fail=0
ok() { echo "ok - $1"; }
bad() { echo "not ok - $1"; fail=1; }
q() { sqlite3 "$db" "$1"; }

SIM=${VALIDATOR_SIM:-$ROOT/build/tools/validator_sim}
if [ ! -x "$SIM" ]; then
	make -C "$ROOT" --no-print-directory build/tools/validator_sim >&2 || true
fi
if [ ! -x "$SIM" ]; then
	bad "no validator_sim at $SIM (make build/tools/validator_sim)"
	exit 1
fi

"$WARROOM" init --db "$db" --fixtures "$fx" >/dev/null
for i in 1 2 3 4 5 6; do
	WARROOM_PIN=10$i$i "$WARROOM" user add "v$i" --role validator --db "$db" >/dev/null
done
WARROOM_PIN=9999 "$WARROOM" user add sup --role supervisor --db "$db" >/dev/null
# Test only: every 50th stored tally arrives with a hard flag. The scorer
# rewrites a tally's flags (at intake, and again when an approval re-scores
# the county's pending tallies) and then sets its state to 'clean' or
# 'flagged': the trigger plants the flag after that, every time, and makes
# the tally 'flagged' as a hard flag does. (On an insert it would be deleted
# by the scorer a moment later.)
q "CREATE TRIGGER test_plant_hard AFTER UPDATE OF state ON submissions
   WHEN NEW.id % 50 = 0 AND NEW.state IN ('clean', 'flagged')
   BEGIN
     INSERT INTO flags (submission, rule, severity, message, value, threshold, created_at)
     SELECT NEW.id, 'test_planted', 'hard', 'planted by review_concurrency.sh', 9, 3,
            NEW.received_at
     WHERE NOT EXISTS (SELECT 1 FROM flags WHERE submission = NEW.id
                       AND rule = 'test_planted');
     UPDATE submissions SET state = 'flagged' WHERE id = NEW.id AND state = 'clean';
   END"
n_night=$(wc -l <"$night")
split -l $(( (n_night + 9) / 10 )) "$night" "$WORK/chunk."
set -- "$WORK"/chunk.*
chunks=$#

# ---------------------------------------------------------------- the load
start=$(date +%s)
pids="" reader="" ingest=""
# On an early exit, stop what this script started (by process id).
cleanup() {
	touch "$WORK/stop"
	for p in $pids $reader $ingest; do
		kill "$p" 2>/dev/null || true
	done
}
trap cleanup EXIT
for i in 1 2 3 4 5 6; do
	"$SIM" --db "$db" --user "v$i" --pin "10$i$i" --reject-every 40 --idle-exit 4 \
		--max 5000 --deadline 180 >"$WORK/sim$i.json" 2>"$WORK/sim$i.err" &
	pids="$pids $!"
done

# The reader: a console's refresh, bounded in count; stops when told.
(
	i=0
	while [ $i -lt 5000 ] && [ ! -e "$WORK/stop" ]; do
		i=$((i + 1))
		if "$WARROOM" status --db "$db" --json >"$WORK/status.json" 2>>"$WORK/reader.err"; then
			jq -e '.precincts_total == 1687' "$WORK/status.json" >/dev/null 2>&1 \
				|| echo "bad status output: $(head -c 200 "$WORK/status.json")" >>"$WORK/reader.err"
		else
			echo "status failed (exit $?)" >>"$WORK/reader.err"
		fi
		sleep 0.05
	done
	echo "$i" >"$WORK/reader.count"
) &
reader=$!

# Intake: the night in chunks, a short pause between them.
(
	for c in "$WORK"/chunk.*; do
		"$WARROOM" ingest --db "$db" --json "$c" >>"$WORK/ingest.json" 2>>"$WORK/ingest.err" \
			|| echo "ingest $c failed" >>"$WORK/ingest.err"
		sleep 0.3
	done
) &
ingest=$!

wait $ingest || true
ingest=""
sim_fail=0
for p in $pids; do
	wait "$p" || sim_fail=$((sim_fail + 1))
done
pids=""
touch "$WORK/stop"
wait $reader || true
reader=""
trap - EXIT
elapsed=$(( $(date +%s) - start ))
ok "load finished in ${elapsed}s: $chunks ingest chunks, six validators, $(cat "$WORK/reader.count" 2>/dev/null || echo '?') status reads"

# ------------------------------------------------------------ the processes
[ "$(jq -s 'map(.accepted) | add' "$WORK/ingest.json")" = "$n_night" ] \
	&& ok "intake accepted all $n_night tallies across $chunks chunks" \
	|| bad "intake: $(jq -c -s 'map({accepted, duplicate, quarantined})' "$WORK/ingest.json")"
[ "$sim_fail" = 0 ] && ok "every validator_sim exited 0" || bad "$sim_fail validator_sim processes failed"
for i in 1 2 3 4 5 6; do
	if ! jq -e . "$WORK/sim$i.json" >/dev/null 2>&1; then
		bad "v$i printed no JSON: $(head -c 300 "$WORK/sim$i.err")"
		continue
	fi
	jq -r '"# \(.user): decided \(.decided) (approved \(.approved), rejected \(.rejected), needs_second \(.needs_second // 0)), p50 \(.p50_ms) ms, p99 \(.p99_ms) ms, max \(.max_ms) ms"' \
		"$WORK/sim$i.json"
done
[ "$(jq -s 'map(.errors) | add' "$WORK"/sim*.json)" = 0 ] && ok "no validator saw an error" \
	|| bad "validator errors: $(cat "$WORK"/sim*.err | head -n 5)"
[ "$(jq -s 'map(.busy) | add' "$WORK"/sim*.json)" = 0 ] && ok "no validator was told the store was busy" \
	|| bad "busy: $(jq -c -s 'map({user, busy})' "$WORK"/sim*.json)"
[ "$(jq -s 'map(select(.decided > 0)) | length' "$WORK"/sim*.json)" -ge 3 ] \
	&& ok "the work was shared: $(jq -r -s 'map("\(.user)=\(.decided)") | join(" ")' "$WORK"/sim*.json)" \
	|| bad "fewer than three validators decided anything"
if cat "$WORK"/*.err | grep -qi "database is locked\|SQLITE_BUSY\|database table is locked"; then
	bad "a process saw a locked store: $(cat "$WORK"/*.err | grep -i "locked\|busy" | head -n 3)"
else
	ok "no process printed \"database is locked\" or SQLITE_BUSY"
fi
[ ! -s "$WORK/reader.err" ] && ok "every status read succeeded with valid JSON" \
	|| bad "reader: $(head -n 3 "$WORK/reader.err")"
[ ! -s "$WORK/ingest.err" ] && ok "intake printed no error" || bad "ingest: $(head -n 3 "$WORK/ingest.err")"

# --------------------------------------------------------------- the store
todo="s.precinct_id IS NOT NULL AND s.state <> 'superseded'"
n_todo=$(q "SELECT count(*) FROM submissions s WHERE $todo")
[ "$(q "SELECT count(*) FROM submissions WHERE state IN ('received', 'flagged', 'clean')")" = 0 ] \
	&& ok "nothing left pending" || bad "pending: $(q "SELECT count(*) FROM submissions WHERE state IN ('received', 'flagged', 'clean')")"
[ "$(q "SELECT count(*) FROM submissions s WHERE $todo
        AND (SELECT count(*) FROM decisions d WHERE d.submission = s.id) <> 1")" = 0 ] \
	&& [ "$(q "SELECT count(*) FROM decisions")" = "$n_todo" ] \
	&& ok "each of the $n_todo tallies has exactly one decision" || bad "decisions"
[ "$(q "SELECT count(*) FROM submissions s JOIN decisions d ON d.submission = s.id
        WHERE s.state <> d.decision")" = 0 ] && ok "every state agrees with its decision" \
	|| bad "state and decision disagree"
# The rest of the callback list is second looks: approved tallies a rule
# flagged once their county had context (scoring.h).
[ "$(q "SELECT count(*) FROM decisions WHERE decision = 'rejected'")" = \
	"$(q "SELECT count(*) FROM callbacks k JOIN decisions d ON d.submission = k.submission
	      WHERE d.decision = 'rejected'")" ] && \
[ "$(q "SELECT count(*) FROM callbacks k JOIN decisions d ON d.submission = k.submission
       WHERE d.decision = 'approved' AND k.reason LIKE 'second look after approval: %'
       AND EXISTS (SELECT 1 FROM flags f WHERE f.submission = k.submission
       AND f.second_look = 1)")" = \
	"$(q "SELECT count(*) FROM callbacks k JOIN decisions d ON d.submission = k.submission
	      WHERE d.decision = 'approved'")" ] && \
[ "$(q "SELECT count(*) FROM callbacks WHERE submission NOT IN (SELECT submission FROM decisions)")" = 0 ] \
	&& ok "every rejection is on the callback list, and the rest are second looks ($(q "SELECT count(*) FROM callbacks"))" \
	|| bad "callbacks"
hard=$(q "SELECT count(DISTINCT submission) FROM flags WHERE severity = 'hard'")
n_planted=$(q "SELECT count(*) FROM submissions WHERE id % 50 = 0")
[ "$hard" -gt 20 ] && [ "$hard" = "$n_planted" ] \
	&& [ "$(q "SELECT count(*) FROM decisions d WHERE d.decision = 'approved'
        AND d.submission IN (SELECT submission FROM flags WHERE severity = 'hard')
        AND (SELECT count(*) FROM approvals a WHERE a.submission = d.submission) < 2")" = 0 ] \
	&& ok "all $hard hard-flagged tallies approved had two validators (or were rejected)" \
	|| bad "hard flags: $hard flagged (planted on $n_planted), some approved by one"
# Each approval that needed a second was of a tally hard-flagged when taken.
[ "$(jq -s 'map(.needs_second // 0) | add' "$WORK"/sim*.json)" -gt 0 ] \
	&& ok "first approvals of hard-flagged tallies waited for a second validator" \
	|| bad "no approval ever needed a second validator"
# Rule flags are warnings here: the sample night's rules never make a hard one.
[ "$(q "SELECT count(*) FROM flags WHERE severity = 'hard' AND rule <> 'test_planted'")" = 0 ] \
	&& [ "$(q "SELECT count(*) FROM flags WHERE rule <> 'test_planted'")" -gt 0 ] \
	&& ok "the rules flagged $(q "SELECT count(DISTINCT submission) FROM flags WHERE rule <> 'test_planted'") tallies as they were stored" \
	|| bad "rule flags: $(q "SELECT rule || ' ' || severity || ' ' || count(*) FROM flags GROUP BY 1, 2")"
[ "$(q "SELECT count(*) FROM claims")" = 0 ] && ok "no claim left behind" || bad "claims left"

# From the audit trail, on a copy with an index (the checks join on subject).
chk=$WORK/check.db
sqlite3 "$db" ".backup '$chk'"
sqlite3 "$chk" "CREATE INDEX test_audit_subject ON audit(subject, action, id)"
c() { sqlite3 "$chk" "$1"; }
[ "$(c "SELECT count(*) FROM (SELECT subject, count(*) n FROM audit
        WHERE action = 'reject' OR (action = 'approve'
          AND json_extract(details, '$.approvals') >= json_extract(details, '$.needed'))
        GROUP BY subject HAVING n <> 1)")" = 0 ] \
	&& [ "$(c "SELECT count(DISTINCT subject) FROM audit WHERE action = 'reject' OR (action = 'approve'
          AND json_extract(details, '$.approvals') >= json_extract(details, '$.needed'))")" = "$n_todo" ] \
	&& ok "the audit trail holds one final decision per tally" || bad "audit: decided twice or never"
bad_dec=$(c "SELECT count(*) FROM audit a WHERE a.action IN ('approve', 'reject')
             AND a.actor IS NOT (SELECT cl.actor FROM audit cl WHERE cl.subject = a.subject
                                 AND cl.action = 'claim' AND cl.id < a.id
                                 ORDER BY cl.id DESC LIMIT 1)")
[ "$bad_dec" = 0 ] && ok "every approve/reject was by the validator holding the latest claim" \
	|| bad "$bad_dec decisions by someone other than the claim holder"
# A claim by B after A's claim needs A's approve, reject or release between.
bad_claim=$(c "SELECT count(*) FROM audit cl
               JOIN audit p ON p.id = (SELECT max(x.id) FROM audit x WHERE x.subject = cl.subject
                                       AND x.action = 'claim' AND x.id < cl.id)
               WHERE cl.action = 'claim' AND cl.actor <> p.actor
               AND NOT EXISTS (SELECT 1 FROM audit e WHERE e.subject = cl.subject
                               AND e.id > p.id AND e.id < cl.id AND e.actor = p.actor
                               AND e.action IN ('approve', 'reject', 'release'))")
[ "$bad_claim" = 0 ] && ok "no claim was ever held by two validators at once" \
	|| bad "$bad_claim claims taken while another validator held the tally"
[ "$(c "SELECT min(id) FROM audit WHERE action = 'approve'")" -lt \
  "$(c "SELECT max(id) FROM audit WHERE action = 'ingest'")" ] \
	&& ok "review ran while intake was still storing tallies" \
	|| bad "no overlap: every approval came after the last ingest"

set +e
"$WARROOM" audit verify --db "$db" >"$WORK/verify.out" 2>&1
rc=$?
set -e
[ "$rc" = 0 ] && ok "audit verify: $(cat "$WORK/verify.out")" || bad "audit verify: exit $rc: $(cat "$WORK/verify.out")"
[ "$(q 'PRAGMA integrity_check')" = ok ] && ok "integrity_check" || bad "integrity"
exit $fail
