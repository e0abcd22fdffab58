# Shared by the bench/*.sh parts. Each part prints rows with `row`; run.sh
# collects them into one table. Speeds are ratios against a reference
# measured in the same run, because these machines are shared and noisy.

# measure VAR_PREFIX CMD...: runs CMD under tools/measure; sets
# ${VAR_PREFIX}_ms (wall), ${VAR_PREFIX}_kb and ${VAR_PREFIX}_cpu (ms).
measure() {
	_p=$1
	shift
	_out=$("$ROOT/build/tools/measure" "$@" 2>&1 >/dev/null | tail -n 1)
	case "$_out" in
	wall_ms=*) ;;
	*) echo "bench: $* failed: $_out" >&2; return 1 ;;
	esac
	eval "${_p}_ms=$(echo "$_out" | sed 's/.*wall_ms=\([0-9.]*\).*/\1/')"
	eval "${_p}_kb=$(echo "$_out" | sed 's/.*maxrss_kb=\([0-9]*\).*/\1/')"
	eval "${_p}_cpu=$(echo "$_out" | sed 's/.*cpu_ms=\([0-9.]*\).*/\1/')"
}

# row FIGURE VALUE REFERENCE RATIO TARGET HOLDS
row() {
	printf '%s|%s|%s|%s|%s|%s\n' "$1" "$2" "$3" "$4" "$5" "$6"
}

# holds EXPR: "yes" when awk finds EXPR true, else "NO".
holds() {
	awk "BEGIN { exit !($1) }" && echo yes || echo NO
}
