#!/bin/sh
# The demo night, as far as it goes today: a fresh store in ./demo-night,
# the Iowa fixtures and the sample night ingested,
# then `warroom status`. (The live console demo comes with the console.)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${WARROOM_DEMO_DIR:-$ROOT/demo-night}
mkdir -p "$DIR"
rm -f "$DIR/warroom.db" "$DIR/warroom.db-wal" "$DIR/warroom.db-shm"
export WARROOM_DB="$DIR/warroom.db"
W="$ROOT/warroom"

"$W" init --fixtures "$ROOT/fixtures/iowa"
echo "== ingesting the sample night (fixtures/iowa/nights/sample.ndjson)"
"$W" ingest "$ROOT/fixtures/iowa/nights/sample.ndjson"
echo "== warroom status"
"$W" status
echo
echo "store: $WARROOM_DB (try: WARROOM_DB=$WARROOM_DB $W status --json)"
