# shellcheck shell=sh
# Background processes for integration tests. Source it, then:
#   bg_pids="$bg_pids $!"   after starting one; stop_bg (in an EXIT trap)
#                           SIGKILLs and reaps every one still listed
#   alive PID               true while PID exists and is not a zombie (a
#                           stopped server can linger as one, so kill -0
#                           would say it still runs)
#   now_ms                  milliseconds since the epoch
bg_pids=""
stop_bg() {
	for _p in $bg_pids; do
		kill -KILL "$_p" 2>/dev/null || :
		wait "$_p" 2>/dev/null || :
	done
	bg_pids=""
}
alive() {
	_st=$(sed -n 's/^.*) \([A-Za-z]\) .*$/\1/p' "/proc/$1/stat" 2>/dev/null) || return 1
	case $_st in '' | Z | X | x) return 1 ;; esac
	return 0
}
now_ms() { date +%s%3N; }
