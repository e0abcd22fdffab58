#!/bin/sh
# Runs the test suites and ends with one line "N passed, N failed".
#   sh tests/run.sh             every suite (what `make test` runs)
#   sh tests/run.sh unit|san|integration|fuzz
# Unit tests are the cmocka binaries in build/tests (build/san-tests under
# ASan+UBSan); integration tests are tests/integration/*.sh, each given
# WARROOM (the binary), ROOT (the repository) and a private WORK directory.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
what=${1:-all}
passed=0
failed=0
failures=""
logdir=$(mktemp -d /tmp/warroom-tests.XXXXXX)

run_one() { # name command...
	name=$1
	shift
	log="$logdir/$(echo "$name" | tr '/ ' '__').log"
	start=$(date +%s)
	if "$@" >"$log" 2>&1; then
		passed=$((passed + 1))
		echo "PASS $name ($(( $(date +%s) - start ))s)"
	else
		failed=$((failed + 1))
		failures="$failures $name"
		echo "FAIL $name — output follows"
		sed 's/^/    /' "$log" | tail -n 60
	fi
}

unit() { # dir
	for t in "$1"/test_*; do
		[ -x "$t" ] || continue
		run_one "$(basename "$1")/$(basename "$t")" "$t"
	done
}

integration() {
	for t in tests/integration/*.sh; do
		[ -f "$t" ] || continue
		work=$(mktemp -d /tmp/warroom-it.XXXXXX)
		run_one "integration/$(basename "$t" .sh)" \
			env WARROOM="$ROOT/warroom" ROOT="$ROOT" WORK="$work" sh "$t"
		rm -rf "$work"
	done
}

fuzz() {
	corpus=$(mktemp -d /tmp/warroom-fuzz.XXXXXX)
	cp tests/fuzz/seeds/* "$corpus"/ 2>/dev/null
	run_one "fuzz/submission (60 s)" build/fuzz_submission -max_total_time="${FUZZ_SECONDS:-60}" \
		-max_len=4096 -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 "$corpus"
	rm -rf "$corpus"
}

case "$what" in
unit) unit build/tests ;;
san) ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 unit build/san-tests ;;
integration) integration ;;
fuzz) fuzz ;;
all)
	unit build/tests
	integration
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 unit build/san-tests
	fuzz
	;;
*) echo "usage: tests/run.sh [unit|san|integration|fuzz]" >&2; exit 2 ;;
esac

rm -rf "$logdir"
[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed"
# Finding nothing to run is a broken build, not a pass.
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
