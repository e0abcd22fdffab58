#!/bin/sh
# Publishing to S3 for real: a local OpenStack Swift with its S3 API, which
# checks SigV4 signatures (tests/integration/lib/swift.sh). The sample
# night is fed in three chunks after a zeroes batch, each chunk ingested,
# bulk-approved by a supervisor and published, and the batches are pushed
# to s3://results/night through --endpoint as they come. Checks:
#   - every object in the bucket equals its outbox body byte for byte, and
#     the bucket holds exactly the outbox's keys under night/ (no extras,
#     no gaps); the push cursor stands at the outbox's last row;
#   - latest.json names the newest batch, whose results.json statewide
#     totals are the sums of the published tallies' votes in the store, all
#     of them approved tallies;
#   - a wrong secret: exit 6, the message names the 403 and
#     SignatureDoesNotMatch, the cursor does not move, nothing new lands in
#     the bucket; the right secret then pushes the batch;
#   - the secret is nowhere in the store (sqlite3 .dump) nor in what the
#     pusher printed;
#   - publish status --to s3://... --endpoint reports where the push stands.
# Env: WARROOM, ROOT, WORK (see tests/run.sh).
set -eu
: "${WARROOM:?}" "${ROOT:?}" "${WORK:?}"
fx=$ROOT/fixtures/iowa
night=$fx/nights/sample.ndjson
db=$WORK/night.db
approve=$ROOT/build/tools/approve_counties
fail=0
ok() { echo "ok - $1"; }
bad() { echo "not ok - $1"; fail=1; }
q() { sqlite3 "$db" "$1"; }
now_ms() { date +%s%3N; }
started=$(now_ms)

# The pusher must see only the credentials and endpoint given here.
unset AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3 AWS_DEFAULT_REGION \
	AWS_PROFILE WARROOM_PUSH_TO WARROOM_PUSH_TOKEN 2>/dev/null || :

. "$ROOT/tests/integration/lib/swift.sh"
xdir=
trap 'swift_stop; [ -z "$xdir" ] || rm -rf "$xdir"' EXIT
trap 'exit 1' HUP INT TERM PIPE

[ -x "$approve" ] || { echo "not ok - $approve missing (make build/tools/approve_counties)"; exit 1; }

# Swift's object server keeps metadata in user extended attributes: a
# directory under WORK if its filesystem has them, else one elsewhere.
has_xattr() {
	/usr/bin/python3 -c '
import os, sys
p = os.path.join(sys.argv[1], ".xattr-probe")
open(p, "w").close()
try:
    os.setxattr(p, "user.probe", b"1")
finally:
    os.unlink(p)
' "$1" 2>/dev/null
}
sdir=$WORK/swift
mkdir -p "$sdir"
if ! has_xattr "$sdir"; then
	for d in /var/tmp /dev/shm "${TMPDIR:-/tmp}"; do
		[ -d "$d" ] && [ -w "$d" ] || continue
		xdir=$(mktemp -d "$d/warroom-swift.XXXXXX") || continue
		if has_xattr "$xdir"; then sdir=$xdir; break; fi
		rm -rf "$xdir"
		xdir=
	done
fi
t0=$(now_ms)
if ! swift_start "$sdir"; then
	echo "not ok - Swift did not start in $sdir"
	exit 1
fi
ok "Swift's S3 API up at $SWIFT_ENDPOINT in $(($(now_ms) - t0)) ms (store in $sdir)"

prefix=night
target=s3://$SWIFT_BUCKET/$prefix
wrong=wr0ng-Secret-7f3a9cQ
: >"$WORK/push.all"
# push SECRET [ARGS...]: one push to the bucket; sets rc; output in
# $WORK/push.out, $WORK/push.err, both also kept in $WORK/push.all.
push() {
	_s=$1
	shift
	set +e
	AWS_ACCESS_KEY_ID=$SWIFT_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$_s AWS_REGION=$SWIFT_REGION \
		"$WARROOM" push --db "$db" --to "$target" --endpoint "$SWIFT_ENDPOINT" \
		--tries 3 --timeout 20 "$@" >"$WORK/push.out" 2>"$WORK/push.err" </dev/null
	rc=$?
	set -e
	cat "$WORK/push.out" "$WORK/push.err" >>"$WORK/push.all"
}
said() { cat "$WORK/push.out" "$WORK/push.err" | tr '\n' ' ' | cut -c1-400; }
cursor() { q "SELECT coalesce((SELECT last_id FROM push_cursors WHERE target LIKE '$target/ at %'), 0)"; }
listing() { # OUT: the bucket's keys under the prefix, sorted
	swift_list "$prefix/" >"$1.raw" || return 1
	LC_ALL=C sort "$1.raw" >"$1"
}
maxbatch() { q "SELECT coalesce(max(id), 0) FROM batches"; }

# ------------------------------------------------------------- the night
export WARROOM_NOW=2024-01-15T23:00:00Z
"$WARROOM" init --db "$db" --fixtures "$fx" >/dev/null
"$WARROOM" publish --db "$db" --zeroes >/dev/null
export WARROOM_NOW=2024-01-16T06:00:00Z
WARROOM_PIN=9999 "$WARROOM" user add sup --role supervisor --db "$db" >/dev/null
head -n 200 "$night" >"$WORK/c1.ndjson"
sed -n '201,900p' "$night" >"$WORK/c2.ndjson"
sed -n '901,$p' "$night" >"$WORK/c3.ndjson"
chunk() { # NAME: ingest, approve, publish; a new batch each time
	_b=$(maxbatch)
	"$WARROOM" ingest --db "$db" "$WORK/$1.ndjson" >/dev/null
	"$approve" "$db" sup 9999 >/dev/null
	"$WARROOM" publish --db "$db" >/dev/null
	[ "$(maxbatch)" = $((_b + 1)) ] || bad "$1: no new batch (newest $(maxbatch))"
}

chunk c1
push "$SWIFT_SECRET_KEY"
[ "$rc" = 0 ] && [ "$(cursor)" = "$(q "SELECT max(id) FROM outbox")" ] \
	&& ok "push of batches 1-2 (zeroes, first chunk): cursor at outbox row $(cursor)" \
	|| bad "first push: exit $rc: $(said)"
chunk c2
push "$SWIFT_SECRET_KEY"
[ "$rc" = 0 ] && [ "$(cursor)" = "$(q "SELECT max(id) FROM outbox")" ] \
	&& ok "push of batch 3" || bad "second push: exit $rc: $(said)"
chunk c3
nb=$(maxbatch)

# ------------------------------------------------------- a wrong secret
before=$(cursor)
listing "$WORK/before.keys" || bad "listing the bucket"
t0=$(now_ms)
push "$wrong"
ms=$(($(now_ms) - t0))
if [ "$rc" = 6 ] && grep -q "403" "$WORK/push.err" && grep -q "SignatureDoesNotMatch" "$WORK/push.err"; then
	ok "a wrong secret: exit 6 in $ms ms, the message names HTTP 403 SignatureDoesNotMatch"
else
	bad "wrong secret: exit $rc, want 6 naming 403 and SignatureDoesNotMatch: $(said)"
fi
listing "$WORK/after.keys" || bad "listing the bucket"
[ "$(cursor)" = "$before" ] && [ "$before" -lt "$(q "SELECT max(id) FROM outbox")" ] \
	&& ok "the push cursor stayed at $before" || bad "cursor moved: $before -> $(cursor)"
cmp -s "$WORK/before.keys" "$WORK/after.keys" \
	&& ! grep -q "batches/$(printf '%06d' "$nb")/" "$WORK/after.keys" \
	&& ok "nothing new in the bucket ($(wc -l <"$WORK/after.keys") keys)" \
	|| bad "the bucket changed: $(diff "$WORK/before.keys" "$WORK/after.keys" | head -5 | tr '\n' ' ')"
[ "$(q "SELECT attempts > 0 AND last_error LIKE '%403%' FROM push_cursors WHERE target LIKE '$target/ at %'")" = 1 ] \
	&& ok "push_cursors records the failed try" || bad "push_cursors after the refusal: $(q "SELECT * FROM push_cursors")"

push "$SWIFT_SECRET_KEY"
[ "$rc" = 0 ] && [ "$(cursor)" = "$(q "SELECT max(id) FROM outbox")" ] && grep -q "newest batch out: $(printf '%06d' "$nb")" "$WORK/push.out" \
	&& ok "the right secret then pushes batch $nb" || bad "push after the refusal: exit $rc: $(said)"
[ "$nb" -ge 4 ] && [ "$(q "SELECT count(*) FROM batches WHERE zeroes = 0")" -ge 3 ] \
	&& ok "$nb batches, $(q "SELECT count(*) FROM batches WHERE zeroes = 0") of them real" || bad "only $nb batches"

# ------------------------------------------------------ the bucket's content
q "SELECT '$prefix/' || key FROM outbox GROUP BY key" | LC_ALL=C sort >"$WORK/want.keys"
listing "$WORK/got.keys" || bad "listing the bucket"
if cmp -s "$WORK/want.keys" "$WORK/got.keys"; then
	ok "the bucket holds exactly the outbox's $(wc -l <"$WORK/want.keys") keys under $prefix/"
else
	bad "bucket keys differ from the outbox's (< want, > got): $(diff "$WORK/want.keys" "$WORK/got.keys" | grep '^[<>]' | head -8 | tr '\n' ' ')"
fi
# Each key's newest outbox row is what the bucket must hold (latest.json is
# written by every batch; the other keys once).
q "SELECT max(id), key FROM outbox GROUP BY key ORDER BY 1" >"$WORK/rows"
n=0 diffs=""
while read -r line; do
	id=${line%%|*} key=${line#*|}
	rm -f "$WORK/exp" "$WORK/got"
	q "SELECT writefile('$WORK/exp', body) FROM outbox WHERE id = $id" >/dev/null
	if swift_get "$prefix/$key" "$WORK/got" 2>>"$WORK/get.err" && cmp -s "$WORK/exp" "$WORK/got"; then
		n=$((n + 1))
	else
		diffs="$diffs $key"
	fi
done <"$WORK/rows"
[ -z "$diffs" ] && [ "$n" -gt 0 ] && ok "all $n objects read back equal their outbox bodies byte for byte" \
	|| bad "objects that differ from the outbox:$diffs $(head -c 300 "$WORK/get.err" 2>/dev/null)"

swift_get "$prefix/latest.json" "$WORK/latest.json" || bad "no latest.json"
nbp=$(printf '%06d' "$nb")
[ "$(jq -c '[.batch, .path]' "$WORK/latest.json")" = "[$nb,\"batches/$nbp/\"]" ] \
	&& ok "latest.json names batch $nbp" || bad "latest.json: $(cat "$WORK/latest.json")"
swift_get "$prefix/$(jq -r .path "$WORK/latest.json")results.json" "$WORK/results.json" \
	|| bad "no results.json for the newest batch"
jq -r '.statewide.candidates[] | "\(.id) \(.votes)"' "$WORK/results.json" | LC_ALL=C sort >"$WORK/got.sums"
q "SELECT v.candidate || ' ' || sum(v.votes) FROM publications p JOIN votes v ON v.submission = p.submission
   GROUP BY v.candidate" | LC_ALL=C sort >"$WORK/want.sums"
sw=$(jq -c '[.batch, .test, .statewide.total_votes, .statewide.precincts_reporting]' "$WORK/results.json")
want=$(q "SELECT '[$nb,false,' || (SELECT sum(v.votes) FROM publications p JOIN votes v ON v.submission = p.submission)
          || ',' || (SELECT count(*) FROM publications) || ']'")
if [ -s "$WORK/got.sums" ] && cmp -s "$WORK/got.sums" "$WORK/want.sums" && [ "$sw" = "$want" ]; then
	ok "results.json statewide = the published tallies' votes in the store ($sw: batch, test, votes, reporting)"
else
	bad "statewide $sw [$(tr '\n' ' ' <"$WORK/got.sums")] vs store $want [$(tr '\n' ' ' <"$WORK/want.sums")]"
fi
np=$(q "SELECT count(*) FROM publications")
[ "$np" -gt 0 ] && [ "$(q "SELECT count(*) FROM publications p JOIN submissions s ON s.id = p.submission
                          WHERE s.state = 'approved' AND EXISTS (SELECT 1 FROM decisions d
                            WHERE d.submission = s.id AND d.decision = 'approved')")" = "$np" ] \
	&& ok "all $np published tallies are approved" \
	|| bad "published tallies not approved: $(q "SELECT group_concat(s.submission_id || ':' || s.state) FROM publications p
	        JOIN submissions s ON s.id = p.submission WHERE s.state <> 'approved'")"

# ------------------------------------------------------------ the secret
q .dump >"$WORK/dump.sql"
if grep -qF -- "$SWIFT_SECRET_KEY" "$WORK/dump.sql" || grep -qF -- "$wrong" "$WORK/dump.sql"; then
	bad "a secret is in the store: $(grep -oF -e "$SWIFT_SECRET_KEY" -e "$wrong" "$WORK/dump.sql" | sort | uniq -c | tr '\n' ' ')"
else
	ok "neither secret appears in sqlite3 .dump ($(wc -c <"$WORK/dump.sql") bytes)"
fi
if grep -qF -- "$SWIFT_SECRET_KEY" "$WORK/push.all" || grep -qF -- "$wrong" "$WORK/push.all"; then
	bad "a secret is in the pusher's output: $(grep -F -e "$SWIFT_SECRET_KEY" -e "$wrong" "$WORK/push.all" | head -3)"
else
	ok "neither secret appears in the pusher's output ($(wc -l <"$WORK/push.all") lines)"
fi

# ------------------------------------------------------------ status
# The status view of the target pushed to, named as push was given it.
set +e
"$WARROOM" publish status --db "$db" --to "$target" --endpoint "$SWIFT_ENDPOINT" --json \
	>"$WORK/push.out" 2>"$WORK/push.err" </dev/null
rc=$?
set -e
[ "$rc" = 0 ] && [ "$(jq -c '[.last_batch_pushed, .backlog]' "$WORK/push.out" 2>/dev/null)" = "[$nb,0]" ] \
	&& ok "publish status --to $target: batch $nb out, nothing waiting" \
	|| bad "publish status --to $target: exit $rc, want last_batch_pushed $nb and backlog 0: $(said) (push_cursors has: $(q "SELECT target FROM push_cursors"))"

echo "# publish_s3: $(( ($(now_ms) - started) / 1000 )) s"
exit "$fail"
