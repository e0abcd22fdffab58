#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"

static const struct wr_cmd *const commands[] = {
	&wr_cmd_init,
	&wr_cmd_ingest,
	&wr_cmd_status,
	&wr_cmd_review,
	&wr_cmd_user,
	&wr_cmd_audit,
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static int help(FILE *out)
{
	fputs("warroom: caucus-night results console\n\nusage:\n", out);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  warroom %-7s %s\n", commands[i]->name, commands[i]->summary);
	fputs("\n`warroom COMMAND --help` shows a command's arguments.\n", out);
	fputs("\nThe store is --db PATH, else $WARROOM_DB, else ./warroom.db.\n", out);
	return out == stdout ? EXIT_OK : EXIT_USAGE;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return help(stderr);
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return help(stdout);
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (strcmp(argv[1], commands[i]->name) != 0)
			continue;
		if (argc > 2 && !strcmp(argv[2], "--help")) {
			printf("usage: warroom %s %s\n", commands[i]->name, commands[i]->args);
			return EXIT_OK;
		}
		return commands[i]->run(argc - 1, argv + 1);
	}
	fprintf(stderr, "warroom: unknown command \"%s\"\n\n", argv[1]);
	return help(stderr);
}
