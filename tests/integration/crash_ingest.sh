#!/bin/sh
# Kills `warroom ingest` with SIGKILL at random moments while it loads a
# large file, reruns it to completion, and checks the store equals a clean
# single run: nothing lost, nothing doubled, integrity_check ok after every
# kill. Each kill starts from a fresh store, so the kills land all over the
# load rather than in the already-stored part. Then: a pipe killed mid-feed
# keeps every record it had read, and two ingests racing over the same
# precincts keep each precinct's revisions whole.
# Env: WARROOM, ROOT, WORK (see tests/run.sh); KILLS (default 12).
set -eu
: "${WARROOM:?}" "${ROOT:?}" "${WORK:?}"
kills=${KILLS:-12}
fx=$ROOT/fixtures/iowa
export WARROOM_NOW=2024-01-16T06:00:00Z

# A night with repeats: 30,000 records over the Iowa precincts, so most
# precincts get revisions (their numbering must survive a crash), plus
# name-based tallies, unknown precincts, bad records and resends.
awk -F, -v n=15000 '
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

"$WARROOM" init --db "$WORK/init.db" --fixtures "$fx" >/dev/null
cp "$WORK/init.db" "$WORK/clean.db"
t0=$(now_ms)
"$WARROOM" ingest --db "$WORK/clean.db" "$WORK/night.ndjson" >"$WORK/clean.out" 2>/dev/null
t1=$(now_ms)
span=$((t1 - t0))
echo "clean run: $(cat "$WORK/clean.out") in ${span} ms"
snapshot "$WORK/clean.db" "$WORK/clean.snap"

cp "$WORK/init.db" "$WORK/base.db"
i=0
landed=0
while [ "$i" -lt "$kills" ]; do
	i=$((i + 1))
	rm -f "$WORK/crash.db" "$WORK/crash.db-wal" "$WORK/crash.db-shm"
	cp "$WORK/base.db" "$WORK/crash.db"
	delay=$(awk -v s="$i" -v span="$span" 'BEGIN { srand(s * 7919); printf "%.3f", rand() * span / 1000 }')
	"$WARROOM" ingest --db "$WORK/crash.db" "$WORK/night.ndjson" >/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	if kill -9 "$pid" 2>/dev/null; then landed=$((landed + 1)); fi
	wait "$pid" 2>/dev/null || true
	check_integrity "$WORK/crash.db"
	"$WARROOM" ingest --db "$WORK/crash.db" "$WORK/night.ndjson" >/dev/null 2>&1
	check_integrity "$WORK/crash.db"
	snapshot "$WORK/crash.db" "$WORK/crash.snap"
	if ! cmp -s "$WORK/clean.snap" "$WORK/crash.snap"; then
		echo "not ok - after kill $i at ${delay}s the store differs from a clean run:"
		diff "$WORK/clean.snap" "$WORK/crash.snap" | head -20
		exit 1
	fi
done
echo "ok - $landed of $kills kills landed mid-load; after each, a rerun equals a clean run ($(wc -l <"$WORK/clean.snap") rows compared)"
[ "$landed" -ge $((kills / 2)) ] || { echo "not ok - only $landed kills landed mid-load"; exit 1; }

# A pipe: records are committed as they are read, so a kill keeps them all.
cp "$WORK/base.db" "$WORK/pipe.db"
mkfifo "$WORK/feed"
"$WARROOM" ingest --db "$WORK/pipe.db" - <"$WORK/feed" >/dev/null 2>&1 &
pid=$!
exec 3>"$WORK/feed"
head -n 300 "$WORK/night.ndjson" >&3
n=0
tries=0
while [ "$tries" -lt 100 ]; do
	n=$(sqlite3 "$WORK/pipe.db" "SELECT (SELECT count(*) FROM submissions) + (SELECT count(*) FROM quarantine)")
	[ "$n" -ge 290 ] && break
	tries=$((tries + 1))
	sleep 0.1
done
# While the feed is idle the store is not locked: another writer gets in.
if "$WARROOM" ingest --db "$WORK/pipe.db" "$ROOT/fixtures/bad/19-empty-file.ndjson" >/dev/null 2>&1; then
	echo "ok - an idle pipe holds no write lock"
else
	echo "not ok - an idle pipe blocks other writers"; exit 1
fi
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
exec 3>&-
got=$(sqlite3 "$WORK/pipe.db" "SELECT (SELECT count(*) FROM submissions) + (SELECT count(*) FROM quarantine WHERE reason NOT LIKE '%different content%')")
check_integrity "$WORK/pipe.db"
if [ "$n" -ge 290 ] && [ "$got" -ge 290 ]; then
	echo "ok - a pipe killed after 300 records kept the $got it had stored"
else
	echo "not ok - a pipe killed after 300 records kept $got (saw $n before the kill)"; exit 1
fi

# Two ingests racing over the same precincts: each precinct's revisions stay
# numbered 1..n with exactly one current tally.
cp "$WORK/base.db" "$WORK/race.db"
head -n 4000 "$WORK/night.ndjson" >"$WORK/a.ndjson"
sed -n '4001,8000p' "$WORK/night.ndjson" >"$WORK/b.ndjson"
"$WARROOM" ingest --db "$WORK/race.db" "$WORK/a.ndjson" >/dev/null 2>&1 &
p1=$!
"$WARROOM" ingest --db "$WORK/race.db" "$WORK/b.ndjson" >/dev/null 2>&1 &
p2=$!
wait "$p1" && wait "$p2" || { echo "not ok - a racing ingest failed"; exit 1; }
check_integrity "$WORK/race.db"
bad=$(sqlite3 "$WORK/race.db" "SELECT count(*) FROM (SELECT precinct_id, count(*) n, max(revision) m,
        sum(state <> 'superseded') cur FROM submissions WHERE precinct_id IS NOT NULL
        GROUP BY precinct_id) WHERE n <> m OR cur <> 1")
if [ "$bad" = 0 ]; then
	echo "ok - two racing ingests leave every precinct's revisions whole"
else
	echo "not ok - $bad precincts have gaps or more than one current tally"; exit 1
fi
