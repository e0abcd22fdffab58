#!/bin/sh
# Kills `warroom ingest` with SIGKILL at many random moments while it loads a
# large file, reruns it to completion, and checks the store equals a clean
# single run: nothing lost, nothing doubled, integrity_check ok after every
# kill. Env: WARROOM, ROOT, WORK (see tests/run.sh); KILLS (default 20).
set -eu
: "${WARROOM:?}" "${ROOT:?}" "${WORK:?}"
kills=${KILLS:-20}
fx=$ROOT/fixtures/iowa
export WARROOM_NOW=2024-01-16T06:00:00Z

# A night with repeats: 30,000 records over the Iowa precincts, so most
# precincts get revisions (their numbering must survive a crash), plus
# name-based tallies, unknown precincts, bad records and resends.
awk -F, -v n=30000 '
NR == 1 { next }
{ code[++np] = $1; fips[np] = $2; name[np] = $3 }
END {
	srand(7)
	for (i = 1; i <= n; i++) {
		p = int(rand() * np) + 1
		t = int(rand() * 40) + 2; d = int(rand() * 30); h = int(rand() * 20)
		k = rand()
		ts = sprintf("2024-01-15T%02d:%02d:%02d-06:00", 19 + int(i * 3 / n), int(rand() * 60), int(rand() * 60))
		if (k < 0.02) { print "{\"submission_id\": \"bad-" i "\", oops"; continue }
		if (k < 0.03) { printf "{\"submission_id\":\"s-%d\",\"source\":\"app\",\"precinct\":\"%s\",\"reported_at\":\"%s\",\"reporter\":\"r\",\"votes\":{\"trump\":%d,\"desantis\":%d,\"haley\":%d,\"ramaswamy\":0,\"hutchinson\":0,\"binkley\":0,\"other\":0},\"total\":%d}\n", i - 1, code[p], ts, t + 1, d, h, t + 1 + d + h; continue }
		id = "s-" i
		where = sprintf("\"precinct\":\"%s\"", code[p])
		if (k < 0.08) where = sprintf("\"county\":\"%s\",\"precinct_name\":\"%s\"", fips[p], name[p])
		if (k < 0.09) where = sprintf("\"county\":\"%s\",\"precinct_name\":\"Nowhere %d\"", fips[p], i)
		printf "{\"submission_id\":\"%s\",\"source\":\"%s\",%s,\"reported_at\":\"%s\",\"reporter\":\"r%d\",\"votes\":{\"trump\":%d,\"desantis\":%d,\"haley\":%d,\"ramaswamy\":0,\"hutchinson\":0,\"binkley\":0,\"other\":0},\"total\":%d}\n", id, (k < 0.5 ? "app" : "hotline"), where, ts, p, t, d, h, t + d + h
	}
}' "$fx/precincts.csv" > "$WORK/night.ndjson"

snapshot() { # db out
	sqlite3 "$1" >"$2" <<'SQL'
SELECT s.submission_id, hex(s.content_hash), s.source, p.code, s.precinct_ref,
       s.resolved_by, s.reporter, s.device, s.reported_at, s.total, s.revision,
       (SELECT submission_id FROM submissions o WHERE o.id = s.supersedes),
       s.state, s.origin, s.line, hex(s.raw)
  FROM submissions s LEFT JOIN precincts p ON p.id = s.precinct_id
 ORDER BY s.submission_id;
SELECT s.submission_id, v.candidate, v.votes FROM votes v
  JOIN submissions s ON s.id = v.submission ORDER BY 1, 2;
SELECT origin, line, hex(raw_sha256), field, reason FROM quarantine ORDER BY origin, line;
SELECT id, at, actor, action, subject, details, hex(prev_hash), hex(hash) FROM audit ORDER BY id;
SELECT s.submission_id, u.county_fips, u.name, u.suggestions FROM unmatched u
  JOIN submissions s ON s.id = u.submission ORDER BY 1;
SQL
}

check_integrity() { # db
	r=$(sqlite3 "$1" "PRAGMA integrity_check; PRAGMA foreign_key_check;")
	[ "$r" = "ok" ] || { echo "not ok - integrity after kill: $r"; exit 1; }
}

now_ms() { date +%s%3N; }

"$WARROOM" init --db "$WORK/clean.db" --fixtures "$fx" >/dev/null
t0=$(now_ms)
"$WARROOM" ingest --db "$WORK/clean.db" "$WORK/night.ndjson" >"$WORK/clean.out" 2>/dev/null
t1=$(now_ms)
span=$((t1 - t0))
echo "clean run: $(cat "$WORK/clean.out") in ${span} ms"
snapshot "$WORK/clean.db" "$WORK/clean.snap"

"$WARROOM" init --db "$WORK/crash.db" --fixtures "$fx" >/dev/null
i=0
landed=0
while [ "$i" -lt "$kills" ]; do
	i=$((i + 1))
	delay=$(awk -v s="$i" -v span="$span" 'BEGIN { srand(s * 7919); printf "%.3f", rand() * span / 1500 }')
	"$WARROOM" ingest --db "$WORK/crash.db" "$WORK/night.ndjson" >/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	if kill -9 "$pid" 2>/dev/null; then landed=$((landed + 1)); fi
	wait "$pid" 2>/dev/null || true
	check_integrity "$WORK/crash.db"
done
echo "killed $landed of $kills runs mid-load"
"$WARROOM" ingest --db "$WORK/crash.db" "$WORK/night.ndjson" >/dev/null 2>&1
check_integrity "$WORK/crash.db"
snapshot "$WORK/crash.db" "$WORK/crash.snap"

if cmp -s "$WORK/clean.snap" "$WORK/crash.snap"; then
	echo "ok - store after $landed kills and a rerun equals a clean run ($(wc -l <"$WORK/clean.snap") rows compared)"
else
	echo "not ok - store differs from a clean run:"
	diff "$WORK/clean.snap" "$WORK/crash.snap" | head -20
	exit 1
fi
[ "$landed" -ge $((kills / 4)) ] || { echo "not ok - only $landed kills landed mid-load"; exit 1; }
