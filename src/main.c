#include <stdio.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "cmd/cmd.h"

static const struct wr_cmd *const commands[] = {
	&wr_cmd_console,
	&wr_cmd_demo,
	&wr_cmd_init,
	&wr_cmd_ingest,
	&wr_cmd_pull,
	&wr_cmd_status,
	&wr_cmd_flags,
	&wr_cmd_show,
	&wr_cmd_simulate,
	&wr_cmd_evaluate,
	&wr_cmd_publish,
	&wr_cmd_push,
	&wr_cmd_review,
	&wr_cmd_resolve,
	&wr_cmd_user,
	&wr_cmd_audit,
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static int help(FILE *out)
{
	fputs("warroom: caucus-night results console\n\nusage:\n", out);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  warroom %-8s %s\n", commands[i]->name, commands[i]->summary);
	fputs("\n`warroom COMMAND --help` shows a command's arguments.\n", out);
	fputs("\nThe store is --db PATH, else $WARROOM_DB, else ./warroom.db.\n", out);
	return out == stdout ? EXIT_OK : EXIT_USAGE;
}

/* glibc hands large blocks back to the kernel as soon as they are freed;
 * SQLite and jansson free and reallocate them per record, which made a
 * third of ingest's time page faults and brk/munmap calls. Keeping them
 * costs a few MB of address space. */
static void tune_malloc(void)
{
#ifdef __GLIBC__
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

int main(int argc, char **argv)
{
	tune_malloc();
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
