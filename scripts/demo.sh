#!/bin/sh
# The demo night, as far as it goes today: a fresh store in ./demo-night,
# the Iowa fixtures, a zeroes batch published before the opening, the
# sample night ingested, ten counties approved by the demo supervisor
# (user "super", PIN 1234), a batch of results published and pushed to
# ./demo-night/public, then `warroom status`. (The live console demo comes
# with the console.)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${WARROOM_DEMO_DIR:-$ROOT/demo-night}
mkdir -p "$DIR"
rm -rf "$DIR/warroom.db" "$DIR/warroom.db-wal" "$DIR/warroom.db-shm" "$DIR/public"
export WARROOM_DB="$DIR/warroom.db"
W="$ROOT/warroom"

"$W" init --fixtures "$ROOT/fixtures/iowa"
WARROOM_PIN=1234 "$W" user add super --role supervisor >/dev/null
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
