#!/bin/sh
# The committed Iowa fixtures are what the generator makes from the real
# data in ../shared/data/iowa, and they keep the facts they claim: 99
# counties, 1,687 precincts, county sums equal to the real county figures.
set -eu
: "${WARROOM:?}" "${ROOT:?}" "${WORK:?}"
fx=$ROOT/fixtures/iowa
data=$ROOT/../shared/data/iowa
fail=0
ok() { echo "ok - $1"; }
bad() { echo "not ok - $1"; fail=1; }

make -s -C "$ROOT" build/tools/fixturegen >/dev/null
"$ROOT/build/tools/fixturegen" iowa --data "$data" --out "$WORK/gen" >/dev/null
for f in counties.csv sites.csv precincts.csv aliases.csv baselines.csv contest.json \
         nights/sample.ndjson; do
	if cmp -s "$fx/$f" "$WORK/gen/$f"; then ok "regenerated $f is identical"
	else bad "regenerated $f differs from the committed file (run make fixtures)"; fi
done

db=$WORK/facts.db
sqlite3 "$db" <<SQL
.mode csv
.import $fx/counties.csv counties
.import $fx/precincts.csv precincts
.import $fx/baselines.csv baselines
.import $fx/aliases.csv aliases
.import $data/ia_voter_registration_by_county_2016-02.csv reg
.import $data/ia_gop_caucus_2016_by_county.csv c16
SQL
q() { sqlite3 "$db" "$1"; }

[ "$(q 'SELECT count(*) FROM counties')" = 99 ] && ok "99 counties" || bad "county count"
[ "$(q 'SELECT count(*) FROM precincts')" = 1687 ] && ok "1,687 precincts" || bad "precinct count"
n=$(q 'SELECT count(*) FROM reg r WHERE CAST(r.rep_active AS INT) <>
         (SELECT sum(CAST(registered_rep AS INT)) FROM precincts p WHERE p.county_fips = r.fips)')
[ "$n" = 0 ] && ok "registered Republicans sum to each county's figure" || bad "$n counties off in registration"
for c in cruz trump rubio carson paul bush; do
	n=$(q "SELECT count(*) FROM c16 WHERE CAST($c AS INT) <> (SELECT sum(CAST(b.votes AS INT))
	      FROM baselines b JOIN precincts p ON p.code = b.precinct
	      WHERE b.year = '2016' AND b.candidate = '$c' AND p.county_fips = c16.fips)")
	[ "$n" = 0 ] && ok "2016 $c sums to each county's figure" || bad "2016 $c off in $n counties"
done
n=$(q "SELECT count(*) FROM c16 WHERE CAST(fiorina AS INT) + kasich + huckabee + christie + santorum
      <> (SELECT sum(CAST(b.votes AS INT)) FROM baselines b JOIN precincts p ON p.code = b.precinct
      WHERE b.year = '2016' AND b.candidate = 'other' AND p.county_fips = c16.fips)")
[ "$n" = 0 ] && ok "2016 other sums to each county's figure" || bad "2016 other off in $n counties"
got=$(q "SELECT group_concat(candidate || '=' || v, ' ') FROM (SELECT candidate, sum(CAST(votes AS INT)) v
        FROM baselines WHERE year = '2020' GROUP BY candidate ORDER BY candidate)")
[ "$got" = "other=151 trump=31464 walsh=348 weld=426" ] && ok "2020 statewide sums: $got" \
	|| bad "2020 statewide sums: $got"
n=$(q "SELECT count(DISTINCT county_fips) FROM aliases")
[ "$n" = 12 ] && ok "aliases in 12 counties" || bad "aliases in $n counties"
n=$(q "SELECT count(*) FROM aliases")
[ "$n" -ge 150 ] && [ "$n" -le 185 ] && ok "$n aliases (about 10%)" || bad "$n aliases"
n=$(q "SELECT count(*) FROM (SELECT site FROM precincts GROUP BY site HAVING count(*) >= 4)")
[ "$n" -ge 20 ] && ok "$n super sites" || bad "only $n super sites"
exit $fail
