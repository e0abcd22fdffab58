#!/bin/sh
# The demo night: a fresh store in ./demo-night, the Iowa fixtures, demo
# users (supervisor "super" PIN 1234, validators "val1" 1111 and "val2"
# 2222, hotline "hot1" PIN 3333), a zeroes batch published before the
# opening, the sample night ingested, ten counties approved by the
# supervisor, a batch published and pushed to ./demo-night/public, then
# the console on a terminal (or `warroom status` without one).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${WARROOM_DEMO_DIR:-$ROOT/demo-night}
mkdir -p "$DIR"
rm -rf "$DIR/warroom.db" "$DIR/warroom.db-wal" "$DIR/warroom.db-shm" "$DIR/public"
export WARROOM_DB="$DIR/warroom.db"
W="$ROOT/warroom"

"$W" init --fixtures "$ROOT/fixtures/iowa"
WARROOM_PIN=1234 "$W" user add super --role supervisor >/dev/null
WARROOM_PIN=1111 "$W" user add val1 --role validator >/dev/null
WARROOM_PIN=2222 "$W" user add val2 --role validator >/dev/null
WARROOM_PIN=3333 "$W" user add hot1 --role hotline >/dev/null
echo "== before the opening: the structure with zero counts (test data)"
# The caucus opened at 01:00Z on 2024-01-16; zeroes are for before that.
WARROOM_NOW=2024-01-16T00:30:00Z "$W" publish --zeroes
echo "== ingesting the sample night (fixtures/iowa/nights/sample.ndjson)"
"$W" ingest "$ROOT/fixtures/iowa/nights/sample.ndjson"
echo "== the supervisor approves the unflagged tallies of ten counties"
for fips in $(sqlite3 "$WARROOM_DB" "SELECT fips FROM counties ORDER BY fips LIMIT 10"); do
	WARROOM_PIN=1234 "$W" review --user super bulk-approve --county "$fips"
done
echo "== publishing and pushing"
"$W" publish
"$W" push
echo "== warroom status"
"$W" status
echo
echo "store: $WARROOM_DB (try: WARROOM_DB=$WARROOM_DB $W status --json)"
echo "published: $DIR/public/latest.json names the newest batch under $DIR/public/batches/"
echo "users: super/1234 (supervisor), val1/1111 and val2/2222 (validators), hot1/3333 (hotline)"
if [ -t 0 ] && [ -t 1 ]; then
	echo "opening the console (q quits; ? shows the keys)"
	sleep 2
	exec "$W" console
fi
echo "console: WARROOM_DB=$WARROOM_DB $W console"
