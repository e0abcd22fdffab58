#!/bin/sh
# `make bench`: runs every bench/*.sh part and prints one table. Parts print
# rows "figure|value|reference|ratio|target|holds" and progress on stderr.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export ROOT
BENCH_WORK=$(mktemp -d /tmp/warroom-bench.XXXXXX)
export BENCH_WORK
trap 'rm -rf "$BENCH_WORK"' EXIT

rows="$BENCH_WORK/rows"
: >"$rows"
for part in "$ROOT"/bench/[0-9]*.sh; do
	echo "bench: $(basename "$part")" >&2
	sh "$part" >>"$rows"
done
echo
awk -F'|' 'BEGIN { printf "%-62s %14s %18s %8s %14s %5s\n", "figure", "value", "reference", "ratio", "target", "holds" }
{ printf "%-62s %14s %18s %8s %14s %5s\n", $1, $2, $3, $4, $5, $6 }' "$rows"
awk -F'|' '$6 == "yes" { y++ } $6 == "NO" { n++; missed = missed "\n  - " $1 " (" $2 ", target " $5 ")" }
END { printf "\ntargets: %d hold, %d missed%s\n", y, n, missed }' "$rows"
