#!/bin/sh
# The review command line over the Iowa fixtures and the sample night: every
# exit code (0 done, 1 usage, 2 store, 3 not allowed, 4 already claimed,
# 5 not found, 6 wrong PIN or locked), leases that lapse, lockout after five
# wrong PINs and its end after 300 s, four eyes on hard flags, supervisor
# overrides with a reason, rejections to the callback list, bulk approval of
# one county's unflagged tallies, disabled users, and an audit trail that
# still verifies at the end. Intake scores the night with the fixtures'
# rules (a few dozen turnout_2020 warnings, no hard flags); the flags the
# scenarios need on particular tallies are planted with sqlite3 on tallies
# the rules found clean. The clock is WARROOM_NOW, moved forward to expire
# leases and lockouts.
set -eu
: "${WARROOM:?}" "${ROOT:?}" "${WORK:?}"
fx=$ROOT/fixtures/iowa
night=$fx/nights/sample.ndjson
db=$WORK/review.db
fail=0
ok() { echo "ok - $1"; }
bad() { echo "not ok - $1"; fail=1; }

# The clock: at SECONDS-AFTER-T0 sets WARROOM_NOW.
t0=$(date -u -d 2024-01-16T06:00:00Z +%s)
at() {
	WARROOM_NOW=$(date -u -d "@$((t0 + $1))" +%Y-%m-%dT%H:%M:%SZ)
	export WARROOM_NOW
}
at 0

q() { sqlite3 "$db" "$1"; }

# rv USER PIN ARGS...: one review command; sets rc, output in $WORK/out, $WORK/err.
rv() {
	_u=$1 _p=$2
	shift 2
	set +e
	WARROOM_PIN=$_p "$WARROOM" review --db "$db" --user "$_u" "$@" >"$WORK/out" 2>"$WORK/err" </dev/null
	rc=$?
	set -e
}
# cli ARGS...: any warroom command, same capture.
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
# expect_msg WANT-EXIT PATTERN DESCRIPTION: the exit code and a message.
expect_msg() {
	if [ "$rc" = "$1" ] && grep -qi -- "$2" "$WORK/out" "$WORK/err"; then
		ok "$3 (exit $1)"
	else
		bad "$3: exit $rc, want $1 and \"$2\": $(said)"
	fi
}
out() { cat "$WORK/out"; }

# ---------------------------------------------------------------- the store
"$WARROOM" init --db "$db" --fixtures "$fx" >/dev/null
"$WARROOM" ingest --db "$db" "$night" >/dev/null
n_night=$(wc -l <"$night")
[ "$(q "SELECT count(*) FROM submissions WHERE state IN ('clean', 'flagged')")" = "$n_night" ] \
	&& ok "sample night ingested: $n_night tallies waiting, each scored" || bad "ingest"
# Scored: 'flagged' exactly when the rules left a warn or hard flag.
n_flagged=$(q "SELECT count(*) FROM submissions WHERE state = 'flagged'")
[ "$(q "SELECT count(*) FROM submissions s WHERE (s.state = 'flagged') <> EXISTS (SELECT 1
        FROM flags f WHERE f.submission = s.id AND f.severity IN ('warn', 'hard'))")" = 0 ] \
	&& [ "$n_flagged" -gt 0 ] && [ "$n_flagged" -lt $((n_night / 10)) ] \
	&& [ "$(q "SELECT count(*) FROM flags WHERE severity = 'hard'")" = 0 ] \
	&& ok "$n_flagged tallies flagged by the rules (warn only), the rest clean" \
	|| bad "flags after ingest: $n_flagged flagged; $(q "SELECT rule || ' ' || severity || ' ' || count(*) FROM flags GROUP BY 1")"

for u in v1:validator:1111 v3:validator:3333 v4:validator:4444 sup:supervisor:9999 \
         hot:hotline:5555 adm:admin:7777; do
	name=${u%%:*} rest=${u#*:}
	WARROOM_PIN=${rest#*:} "$WARROOM" user add "$name" --role "${rest%%:*}" --db "$db" >/dev/null
done
# A PIN from standard input works as well as from the environment.
printf '2222\n' | "$WARROOM" user add v2 --role validator --db "$db" >/dev/null
cli user list --db "$db" --json
[ "$rc" = 0 ] && [ "$(out | jq -c '[.[] | select(.disabled | not) | .name + ":" + .role] | sort')" = \
	'["adm:admin","hot:hotline","sup:supervisor","v1:validator","v2:validator","v3:validator","v4:validator"]' ] \
	&& ok "user list --json: seven active users with their roles" || bad "user list: $(said)"
cli user add vx --role wizard --db "$db"
expect 1 "user add with an unknown role"
cli user add vx --db "$db"
expect 1 "user add without --role"
set +e
WARROOM_PIN=12 "$WARROOM" user add vx --role validator --db "$db" >"$WORK/out" 2>"$WORK/err"
rc=$?
set -e
expect 1 "user add with a 2-character PIN"
set +e
WARROOM_PIN=1234 "$WARROOM" user add v1 --role validator --db "$db" >"$WORK/out" 2>"$WORK/err"
rc=$?
set -e
expect_msg 3 "exists" "user add of an existing name"

# Tallies for each scenario, none from the bulk-approval county C: the
# smallest county with at least five tallies, all of them clean.
C=$(q "SELECT p.county_fips FROM submissions s JOIN precincts p ON p.id = s.precinct_id
       GROUP BY 1 HAVING count(*) >= 5 AND sum(s.state <> 'clean') = 0
       ORDER BY count(*), 1 LIMIT 1")
# The queue's first: the worst flag (here warn), then the longest waiting.
# Every tally was received at the same pinned clock, so that is the oldest
# flagged one by id.
W=$(q "SELECT submission_id FROM submissions WHERE state = 'flagged' ORDER BY id LIMIT 1")
pick() { # Nth clean tally (0-based) outside county C, in id order
	q "SELECT s.submission_id FROM submissions s JOIN precincts p ON p.id = s.precinct_id
	   WHERE p.county_fips <> '$C' AND s.state = 'clean' ORDER BY s.id LIMIT 1 OFFSET $1"
}
A=$W H=$(pick 1) O=$(pick 2) R=$(pick 3) K=$(pick 4) D=$(pick 5)
sid_id() { q "SELECT id FROM submissions WHERE submission_id = '$1'"; }
decisions() { q "SELECT count(*) FROM decisions"; }

# ------------------------------------------------------------------- usage (1)
cli review --db "$db"
expect 1 "review without a verb"
cli review next --db "$db"
expect 1 "review without --user"
rv v1 1111 approve
expect 1 "approve without a submission id"
rv v1 1111 frobnicate
expect 1 "an unknown verb"
rv v1 1111 next extra
expect 1 "next with a stray argument"
rv v1 1111 bulk-approve
expect 1 "bulk-approve without --county"
rv v1 1111 next --colour
expect 1 "an unknown option"
rv v1 "" next
expect_msg 1 "no PIN" "no PIN on the environment or standard input"

# ------------------------------------------------------------------- store (2)
set +e
WARROOM_PIN=1111 "$WARROOM" review --db "$WORK/no/such/dir/x.db" --user v1 next >"$WORK/out" 2>"$WORK/err"
rc=$?
set -e
expect 2 "a store that cannot be opened"

# --------------------------------------------------------------- not found (5)
rv v1 1111 claim app-999999
expect_msg 5 "app-999999" "claim of an unknown submission"
rv v1 1111 approve no-such-tally
expect 5 "approve of an unknown submission"

# ------------------------------------------------------------- not allowed (3)
rv hot 5555 next
expect_msg 3 "hotline" "a hotline user cannot take the queue"
rv hot 5555 claim "$A"
expect 3 "a hotline user cannot claim"
rv hot 5555 approve "$A"
expect 3 "a hotline user cannot approve"
rv adm 7777 next
expect 3 "an admin does not review"

# PIN from standard input for the review command too.
set +e
printf '1111\n' | "$WARROOM" review --db "$db" --user v1 --json next >"$WORK/out" 2>"$WORK/err"
rc=$?
set -e
expect 0 "next --json with the PIN on standard input"
got=$(out | jq -r .submission_id 2>/dev/null || true)
[ "$got" = "$W" ] \
	&& ok "next takes the longest-waiting of the worst-flagged tallies first ($got)" \
	|| bad "next gave '$got', want $W: $(said)"
[ "$(out | jq -r '.severity + " " + (.approvals | tostring) + " " + (.claim_expires | tostring)')" = \
	"warn 0 $((t0 + 300))" ] && ok "next --json: severity, approvals and a 300 s lease" \
	|| bad "next --json fields: $(said)"
[ "$(q "SELECT p.county_fips FROM submissions s JOIN precincts p ON p.id = s.precinct_id
        WHERE s.submission_id = '$A'")" != "$C" ] \
	|| bad "the first tally ($A) is in county $C; pick another county"

# --------------------------------------------------------- already claimed (4)
rv v2 2222 claim "$A"
expect_msg 4 "claimed by v1" "a second validator cannot claim a held tally"
rv v2 2222 approve "$A"
expect 4 "nor approve it"
rv v2 2222 reject "$A" --reason "looks wrong"
expect 4 "nor reject it"
rv v2 2222 release "$A"
expect 3 "nor release another's claim"
rv v1 1111 claim "$A"
expect 0 "the holder may claim again"

# Leases: renewing moves the expiry; a lapsed lease frees the tally.
at 60
rv v1 1111 renew "$A" --json
expect 0 "renew"
[ "$(q "SELECT expires_at FROM claims WHERE submission = $(sid_id "$A")")" = $((t0 + 360)) ] \
	&& ok "renew moves the lease to now + 300 s" || bad "renew expiry"
at 359
rv v2 2222 claim "$A"
expect 4 "the lease still holds a second before it lapses"
at 361
rv v2 2222 claim "$A"
expect 0 "after the lease lapses another validator may claim"
rv v1 1111 approve "$A"
expect 4 "the first validator's lapsed claim no longer lets them approve"
rv v1 1111 renew "$A"
expect 3 "nor renew"
rv v2 2222 release "$A" --json
expect 0 "release"
[ "$(out | jq -r .result)" = released ] && ok "release --json says released" || bad "release: $(said)"
rv v2 2222 release "$A"
expect 3 "releasing what one does not hold"
rv v1 1111 approve "$A"
expect_msg 3 "claim" "approve without a claim"
rv v1 1111 claim "$A"
expect 0 "claim"
before=$(decisions)
rv v1 1111 approve "$A" --json
expect 0 "approve"
[ "$(out | jq -r .result)" = approved ] && ok "approve --json says approved" || bad "approve: $(said)"
[ "$(q "SELECT d.decision || ' ' || u.name || ' ' || s.state FROM decisions d
        JOIN users u ON u.id = d.user_id JOIN submissions s ON s.id = d.submission
        WHERE s.submission_id = '$A'")" = "approved v1 approved" ] \
	&& [ "$(decisions)" = $((before + 1)) ] && ok "one decision recorded for $A" \
	|| bad "decision for $A"
[ "$(q "SELECT count(*) FROM claims WHERE submission = $(sid_id "$A")")" = 0 ] \
	&& ok "the decision drops the claim" || bad "claim left after approve"
rv v1 1111 approve "$A"
expect 3 "a decided tally cannot be approved again"
rv v2 2222 claim "$A"
expect 3 "nor claimed"

# Nobody reviews a tally they keyed.
q "UPDATE submissions SET keyed_by = 'v4' WHERE submission_id = '$K'"
rv v4 4444 claim "$K"
expect_msg 3 "keyed" "a validator cannot review a tally they keyed"

# ------------------------------------------------ wrong PIN and lockout (6)
at 400
rv v3 0000 next
expect_msg 6 "wrong" "a wrong PIN"
rv nobody 1111 next
expect 6 "an unknown user"
for i in 2 3 4; do
	rv v3 0000 release-all
done
expect 6 "four wrong PINs in a row"
rv v3 3333 release-all
expect 0 "four wrong PINs do not lock; a right one resets the count"
for i in 1 2 3 4; do
	rv v3 0000 release-all
	[ "$rc" = 6 ] || bad "wrong PIN $i: exit $rc"
done
rv v3 0000 release-all
expect_msg 6 "locked" "the fifth wrong PIN in a row locks the account"
rv v3 3333 release-all
expect_msg 6 "locked until" "while locked, even the right PIN is refused"
cli user list --db "$db" --json
[ "$(out | jq '.[] | select(.name == "v3") | .locked_until')" = $((t0 + 700)) ] \
	&& ok "user list shows the lock until now + 300 s" || bad "locked_until: $(said)"
[ "$(q "SELECT count(*) FROM audit WHERE action = 'login_failed' AND actor = 'v3'
        AND json_extract(details, '$.locked') = 1")" = 1 ] \
	&& ok "the locking attempt is audited" || bad "lock not audited"
at 699
rv v3 3333 release-all
expect_msg 6 "locked" "still locked after 299 s"
at 700
rv v3 3333 release-all
expect 0 "the lock ends after 300 s"

# ------------------------------------------- hard flag: two validators needed
# flag SID SEVERITY: what the rules engine does, by hand: the flag, and a
# warn or hard flag makes a pending tally 'flagged'. No county here reaches
# five approvals, so no re-scoring rewrites a planted flag.
flag() {
	q "INSERT INTO flags (submission, rule, severity, message, value, threshold, created_at)
	   VALUES ($(sid_id "$1"), 'test_rule', '$2', 'planted by review_cli.sh', 4.2, 3, '$WARROOM_NOW');
	   UPDATE submissions SET state = 'flagged' WHERE submission_id = '$1'
	   AND state IN ('received', 'clean') AND '$2' IN ('warn', 'hard')"
}
flag "$H" hard
rv v1 1111 next --json
expect 0 "next with a hard flag waiting"
[ "$(out | jq -r '.submission_id + " " + .severity')" = "$H hard" ] \
	&& ok "the hard-flagged tally comes first" || bad "next: $(said)"
rv v1 1111 approve "$H" --json
expect 0 "first approval of a hard-flagged tally"
[ "$(out | jq -r .result)" = needs_second ] && ok "it needs a second validator" \
	|| bad "first approval: $(said)"
[ "$(q "SELECT s.state || ' ' || (SELECT count(*) FROM decisions d WHERE d.submission = s.id)
        || ' ' || (SELECT count(*) FROM approvals a WHERE a.submission = s.id)
        FROM submissions s WHERE s.submission_id = '$H'")" = "flagged 0 1" ] \
	&& ok "still pending, one approval, no decision" || bad "state after one approval"
rv v1 1111 claim "$H"
expect 3 "the same validator cannot take it again"
rv v1 1111 next --json
expect 0 "next for the first validator"
other=$(out | jq -r .submission_id)
[ -n "$other" ] && [ "$other" != "$H" ] && ok "the first validator's next skips it" \
	|| bad "next gave $other"
rv v1 1111 release "$other"
rv v2 2222 next --json
[ "$(out | jq -r '.submission_id + " " + (.approvals | tostring)')" = "$H 1" ] \
	&& ok "a second validator gets it, one approval in" || bad "second next: $(said)"
rv v2 2222 approve "$H" --json
expect 0 "second approval"
[ "$(out | jq -r .result)" = approved ] && ok "two validators approve a hard flag" \
	|| bad "second approval: $(said)"
[ "$(q "SELECT d.decision || ' ' || d.override || ' ' || (SELECT group_concat(u.name)
        FROM (SELECT u.name FROM approvals a JOIN users u ON u.id = a.user_id
              WHERE a.submission = d.submission ORDER BY u.name) u)
        FROM decisions d WHERE d.submission = $(sid_id "$H")")" = "approved 0 v1,v2" ] \
	&& ok "decision approved with approvals from v1 and v2" || bad "hard-flag decision"

# ------------------------------------------------ override: supervisor + reason
flag "$O" hard
rv v1 1111 override "$O" --reason "chair confirmed"
expect_msg 3 "supervisor" "a validator cannot override"
rv sup 9999 override "$O"
expect_msg 1 "reason" "override without --reason"
rv sup 9999 override "$O" --reason "   "
expect 1 "override with a blank reason"
rv sup 9999 override "$O" --reason "county chair confirmed by phone" --json
expect 0 "a supervisor overrides with a reason"
[ "$(out | jq -r .result)" = approved ] || bad "override output: $(said)"
[ "$(q "SELECT d.decision || '|' || d.override || '|' || u.name || '|' || d.reason
        FROM decisions d JOIN users u ON u.id = d.user_id
        WHERE d.submission = $(sid_id "$O")")" = \
	"approved|1|sup|county chair confirmed by phone" ] \
	&& ok "the override is recorded with its reason" || bad "override decision"
[ "$(q "SELECT json_extract(details, '$.reason') FROM audit WHERE action = 'override'
        AND subject = '$O'")" = "county chair confirmed by phone" ] \
	&& ok "and audited with its reason" || bad "override audit"
rv sup 9999 override "$O" --reason "again"
expect 3 "a decided tally cannot be overridden again"

# ------------------------------------------------- reject: reason + callback
rv v1 1111 claim "$R"
expect 0 "claim before rejecting"
rv v1 1111 reject "$R"
expect_msg 1 "reason" "reject without --reason"
rv v1 1111 reject "$R" --reason ""
expect 1 "reject with an empty reason"
rv v1 1111 reject "$R" --reason "candidate votes do not add up to the total" --json
expect 0 "reject with a reason"
[ "$(out | jq -r .result)" = rejected ] || bad "reject output: $(said)"
[ "$(q "SELECT c.reason FROM callbacks c JOIN submissions s ON s.id = c.submission
        WHERE s.submission_id = '$R' AND c.done_at IS NULL")" = \
	"candidate votes do not add up to the total" ] \
	&& ok "the rejection is on the callback list with its reason" || bad "callbacks"
[ "$(q "SELECT s.state || ' ' || d.decision FROM submissions s JOIN decisions d
        ON d.submission = s.id WHERE s.submission_id = '$R'")" = "rejected rejected" ] \
	&& ok "state and decision say rejected" || bad "reject state"
rv v1 1111 approve "$R"
expect 3 "a rejected tally cannot be approved"

# ------------------------------------------------ bulk approval of one county
pending_c() {
	q "SELECT s.submission_id FROM submissions s JOIN precincts p ON p.id = s.precinct_id
	   WHERE p.county_fips = '$C' AND s.state IN ('received', 'clean', 'flagged') ORDER BY s.id"
}
nc=$(pending_c | wc -l)
F1=$(pending_c | sed -n 1p) K2=$(pending_c | sed -n 2p)
flag "$F1" warn
rv v2 2222 claim "$K2"
expect 0 "v2 holds one of county $C's tallies"
rv hot 5555 bulk-approve --county "$C"
expect 3 "a hotline user cannot bulk-approve"
dec0=$(decisions) aud0=$(q "SELECT max(id) FROM audit")
rv v1 1111 bulk-approve --county "$C" --json
expect 0 "bulk-approve --county $C"
want=$((nc - 2))
[ "$(out | jq .count)" = "$want" ] && ok "bulk-approve approved $want of $nc (one flagged, one claimed)" \
	|| bad "bulk-approve count: $(said), want $want"
[ "$(decisions)" = $((dec0 + want)) ] && ok "exactly $want new decisions" || bad "decisions after bulk"
[ "$(q "SELECT count(*) FROM decisions d JOIN submissions s ON s.id = d.submission
        JOIN precincts p ON p.id = s.precinct_id
        WHERE p.county_fips = '$C' AND d.decision = 'approved'")" = "$want" ] \
	&& ok "all of them in county $C" || bad "bulk decisions outside $C"
[ "$(q "SELECT count(*) FROM decisions WHERE submission IN ($(sid_id "$F1"), $(sid_id "$K2"))")" = 0 ] \
	&& ok "the flagged and the claimed tally are left alone" || bad "bulk touched $F1 or $K2"
[ "$(q "SELECT count(*) || ' ' || count(DISTINCT a.subject) || ' ' || sum(p.county_fips = '$C')
        FROM audit a JOIN submissions s ON s.submission_id = a.subject
        JOIN precincts p ON p.id = s.precinct_id
        WHERE a.id > $aud0 AND a.action = 'approve' AND a.actor = 'v1'
        AND json_extract(a.details, '$.bulk') = 1")" = "$want $want $want" ] \
	&& ok "one audit record per bulk-approved tally" || bad "bulk audit records"
[ "$(q "SELECT count(*) FROM audit WHERE id > $aud0")" = $((want + 1)) ] \
	&& ok "and nothing else but the sign-in" || bad "extra audit records after bulk"
rv v1 1111 bulk-approve --county "$C"
expect 0 "bulk-approve again"
[ "$(out)" = "approved 0" ] && ok "a second bulk-approve finds nothing" || bad "second bulk: $(said)"
rv v2 2222 release "$K2"

# ------------------------------------------------------------- release-all
# next gives back the caller's own live claim rather than taking a second.
rv v4 4444 next
n1=$(out)
rv v4 4444 next
[ -n "$n1" ] && [ "$(out)" = "$n1" ] && \
	[ "$(q "SELECT count(*) FROM claims c JOIN users u ON u.id = c.user_id WHERE u.name = 'v4'")" = 1 ] \
	&& ok "next twice resumes the same claim ($n1)" || bad "next twice: $n1 then $(said)"
rv v4 4444 release "$n1"
rv v4 4444 claim "$(pick 6)"
rv v4 4444 claim "$(pick 7)"
[ "$(q "SELECT count(*) FROM claims c JOIN users u ON u.id = c.user_id WHERE u.name = 'v4'")" = 2 ] \
	|| bad "v4 should hold two claims"
rv v4 4444 release-all --json
expect 0 "release-all"
[ "$(out | jq .count)" = 2 ] && ok "release-all gives back both claims" || bad "release-all: $(said)"
[ "$(q "SELECT count(*) FROM claims c JOIN users u ON u.id = c.user_id WHERE u.name = 'v4'")" = 0 ] \
	&& ok "v4 holds nothing after release-all" || bad "claims left after release-all"

# ------------------------------------------------------------ disabled users
rv v3 3333 claim "$D"
expect 0 "v3 claims before being disabled"
cli user disable v3 --db "$db"
expect 0 "user disable"
rv v3 3333 next
expect_msg 6 "disabled" "a disabled user cannot sign in"
[ "$(q "SELECT count(*) FROM claims WHERE submission = $(sid_id "$D")")" = 0 ] \
	&& ok "a disabled user's claims go back to the queue" || bad "claim left by a disabled user"
cli user list --db "$db" --json
[ "$(out | jq '.[] | select(.name == "v3") | .disabled')" = true ] \
	&& ok "user list shows v3 disabled" || bad "user list after disable"
cli user disable nobody --db "$db"
expect 5 "disabling an unknown user"
cli user disable --db "$db"
expect 1 "user disable without a name"

# ------------------------------------------------- an empty queue says nothing
small=$WORK/small.db
"$WARROOM" init --db "$small" --fixtures "$fx" >/dev/null
head -n 3 "$night" | "$WARROOM" ingest --db "$small" - >/dev/null
WARROOM_PIN=1111 "$WARROOM" user add v1 --role validator --db "$small" >/dev/null
i=0
while [ $i -lt 10 ]; do
	i=$((i + 1))
	sid=$(WARROOM_PIN=1111 "$WARROOM" review --db "$small" --user v1 next --json </dev/null | jq -r .submission_id)
	[ -n "$sid" ] || break
	WARROOM_PIN=1111 "$WARROOM" review --db "$small" --user v1 approve "$sid" >/dev/null </dev/null
done
[ "$(sqlite3 "$small" "SELECT count(*) FROM decisions")" = 3 ] \
	&& ok "the small store's three tallies are decided" || bad "small store decisions"
set +e
WARROOM_PIN=1111 "$WARROOM" review --db "$small" --user v1 next --json >"$WORK/out" 2>"$WORK/err" </dev/null
rc=$?
set -e
[ "$rc" = 0 ] && [ ! -s "$WORK/out" ] && ok "next --json on an empty queue prints nothing (exit 0)" \
	|| bad "empty queue: exit $rc: $(said)"
set +e
WARROOM_PIN=1111 "$WARROOM" review --db "$small" --user v1 next >"$WORK/out" 2>"$WORK/err" </dev/null
rc=$?
set -e
[ "$rc" = 0 ] && [ ! -s "$WORK/out" ] && ok "next on an empty queue prints nothing (exit 0)" \
	|| bad "empty queue (text): exit $rc: $(said)"

# ------------------------------------------------------------------ the end
cli audit verify --db "$db"
expect_msg 0 "verified" "audit verify"
cli audit verify --db "$small"
expect 0 "audit verify (small store)"
[ "$(q "SELECT count(*) FROM submissions s WHERE s.state IN ('approved', 'rejected')
        AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.submission = s.id)")" = 0 ] \
	&& ok "every decided state has its decision row" || bad "state without decision"
[ "$(q 'PRAGMA integrity_check')" = ok ] && ok "integrity_check" || bad "integrity"
exit $fail
