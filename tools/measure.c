/* Runs a command and prints its wall time and peak resident memory, for the
 * benchmarks: `measure CMD ARGS...` prints "wall_ms=N maxrss_kb=N status=N"
 * on stderr. No GNU time on a fresh machine, and wait4 gives both at once. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	struct rusage ru;
	double t0;
	pid_t pid;
	int status;

	if (argc < 2) {
		fprintf(stderr, "usage: measure CMD [ARGS...]\n");
		return 1;
	}
	t0 = now_ms();
	pid = fork();
	if (pid == 0) {
		execvp(argv[1], argv + 1);
		perror(argv[1]);
		_exit(127);
	}
	if (pid < 0 || wait4(pid, &status, 0, &ru) < 0) {
		perror("measure");
		return 2;
	}
	fprintf(stderr, "wall_ms=%.1f maxrss_kb=%ld status=%d cpu_ms=%.1f\n", now_ms() - t0,
	        ru.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
	        ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3 +
	        ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
