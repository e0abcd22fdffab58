#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "warroom/auth.h"

/* Anyone who can write the store file could change it directly, so user
 * management is a local command, recorded as local:$USER in the audit. */
static int add(struct wr_store *s, const char *name, const char *role_name)
{
	enum wr_role role;
	struct wr_err err;
	char pin[256];

	if (!role_name)
		return cmd_usage(&wr_cmd_user);
	if (wr_role_parse(role_name, &role, &err) != WR_OK)
		return cmd_exit(WR_EINVAL, &err);
	if (cmd_read_pin("PIN for the new user: ", 1, pin, sizeof pin) != 0) {
		fprintf(stderr, "warroom: no PIN given\n");
		return EXIT_USAGE;
	}
	int rc = wr_user_add(s, cmd_local_actor(), name, role, pin, &err);

	if (rc != WR_OK)
		return cmd_exit(rc, &err);
	printf("added %s (%s)\n", name, role_name);
	return EXIT_OK;
}

static int list(struct wr_store *s, int json)
{
	struct wr_user *u;
	struct wr_err err;
	size_t n;
	json_t *arr = json_array();

	if (wr_user_list(s, &u, &n, &err) != WR_OK) {
		json_decref(arr);
		return cmd_exit(WR_ESTORE, &err);
	}
	for (size_t i = 0; i < n; i++) {
		if (json)
			json_array_append_new(arr, json_pack("{s:s, s:s, s:b, s:I}", "name",
			        u[i].name, "role", wr_role_name(u[i].role), "disabled",
			        u[i].disabled, "locked_until", (json_int_t)u[i].locked_until));
		else
			printf("%-24s %-11s %s\n", u[i].name, wr_role_name(u[i].role),
			       u[i].disabled ? "disabled" : "active");
	}
	if (json) {
		json_dumpf(arr, stdout, JSON_INDENT(2));
		putchar('\n');
	}
	json_decref(arr);
	free(u);
	return EXIT_OK;
}

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "role", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = NULL, *role = NULL, *verb, *name;
	struct wr_store s;
	struct wr_err err;
	int c, json = 0, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd')
			db = optarg;
		else if (c == 'r')
			role = optarg;
		else if (c == 'j')
			json = 1;
		else
			return cmd_usage(&wr_cmd_user);
	}
	if (optind >= argc)
		return cmd_usage(&wr_cmd_user);
	verb = argv[optind];
	name = optind + 1 < argc ? argv[optind + 1] : NULL;
	if (strcmp(verb, "list") != 0 && (!name || optind + 2 != argc))
		return cmd_usage(&wr_cmd_user);
	if ((rc = cmd_open_store(&s, db)) != EXIT_OK)
		return rc;
	if (!strcmp(verb, "add"))
		rc = add(&s, name, role);
	else if (!strcmp(verb, "list"))
		rc = list(&s, json);
	else if (!strcmp(verb, "disable"))
		rc = cmd_exit(wr_user_disable(&s, cmd_local_actor(), name, &err), &err);
	else
		rc = cmd_usage(&wr_cmd_user);
	wr_store_close(&s);
	return rc;
}

const struct wr_cmd wr_cmd_user = {
	"user", "add NAME --role ROLE | list [--json] | disable NAME  [--db PATH]",
	"manage users (PIN from the terminal, $WARROOM_PIN or stdin)", run,
};
