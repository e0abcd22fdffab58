#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "warroom/console.h"

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "user", required_argument, NULL, 'u' },
		{ "script", required_argument, NULL, 's' },
		{ "dump", required_argument, NULL, 'o' },
		{ "size", required_argument, NULL, 'z' },
		{ NULL, 0, NULL, 0 },
	};
	struct wr_console_opts o = { NULL, NULL, NULL, NULL, 24, 80 };
	struct wr_err err;
	int c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd')
			o.db = optarg;
		else if (c == 'u')
			o.user = optarg;
		else if (c == 's')
			o.script = optarg;
		else if (c == 'o')
			o.dump = optarg;
		else if (c == 'z' && sscanf(optarg, "%dx%d", &o.cols, &o.rows) == 2 &&
		         o.cols > 0 && o.rows > 0 && o.cols <= 1000 && o.rows <= 1000)
			;
		else
			return cmd_usage(&wr_cmd_console);
	}
	if (optind != argc)
		return cmd_usage(&wr_cmd_console);
	rc = wr_console_run(&o, &err);
	return rc == WR_OK ? EXIT_OK : cmd_exit(rc, &err);
}

const struct wr_cmd wr_cmd_console = {
	"console",
	"[--db PATH] [--user NAME]   (tests: --script KEYS --dump FILE [--size COLSxROWS])",
	"the full-screen war-room console for validators, hotline and supervisors", run,
};
