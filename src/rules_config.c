/* Rule thresholds: validating a rules file and reading what is in force. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "warroom/rules.h"

static size_t rule_index(const struct wr_rule *r)
{
	size_t n;

	return (size_t)(r - wr_rules_table(&n));
}

int wr_thresholds_load(struct wr_store *s, struct wr_thresholds *t, struct wr_err *err)
{
	sqlite3_stmt *st;
	int rc;

	wr_thresholds_default(t);
	if (wr_store_prepare(s, &st, "SELECT rule, name, value, NULL FROM rule_params"
	                             " UNION ALL SELECT rule, NULL, NULL, severity"
	                             " FROM rule_severity", err))
		return WR_ESTORE;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const struct wr_rule *r = wr_rule_find((const char *)sqlite3_column_text(st, 0));
		enum wr_severity sev;
		int k;

		if (!r)
			continue;  /* a rule this build no longer has */
		if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
			k = wr_rule_param(r, (const char *)sqlite3_column_text(st, 1));
			if (k >= 0)
				t->value[rule_index(r)][k] = sqlite3_column_double(st, 2);
		} else if (wr_severity_parse((const char *)sqlite3_column_text(st, 3), &sev) == 0) {
			t->severity[rule_index(r)] = sev;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? WR_OK : wr_store_fail(s, err, "reading rule thresholds");
}

static void list_params(const struct wr_rule *r, char *out, size_t n)
{
	out[0] = '\0';
	snprintf(out, n, "severity");
	for (int k = 0; k < WR_RULE_PARAMS && r->params[k].name; k++)
		snprintf(out + strlen(out), n - strlen(out), ", %s", r->params[k].name);
}

static int check_param(const char *path, const struct wr_rule *r, const char *name,
                       json_t *v, double *out, struct wr_err *err)
{
	char have[160];
	int k = wr_rule_param(r, name);
	const struct wr_param *p;

	list_params(r, have, sizeof have);
	if (k < 0)
		return wr_errf(err, WR_EINVAL, "%s: rules.%s.%s: unknown parameter; %s has %s",
		               path, r->id, name, r->id, have);
	p = &r->params[k];
	if (!json_is_number(v))
		return wr_errf(err, WR_EINVAL, "%s: rules.%s.%s: expected a number in %g..%g "
		               "(%s)", path, r->id, name, p->min, p->max, p->help);
	*out = json_number_value(v);
	if (*out < p->min || *out > p->max)
		return wr_errf(err, WR_EINVAL, "%s: rules.%s.%s: %g is outside %g..%g (%s)",
		               path, r->id, name, *out, p->min, p->max, p->help);
	return k;
}

static int store_value(struct wr_store *s, const char *sql, const char *rule,
                       const char *name, double v, const char *text, struct wr_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (wr_store_prepare(s, &st, sql, err))
		return WR_ESTORE;
	sqlite3_bind_text(st, 1, rule, -1, SQLITE_STATIC);
	if (text)
		sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	else {
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		sqlite3_bind_double(st, 3, v);
	}
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? WR_OK : wr_store_fail(s, err, "storing a threshold");
}

static int load_rule(struct wr_store *s, const char *path, const char *id, json_t *o,
                     struct wr_err *err)
{
	const struct wr_rule *r = wr_rule_find(id);
	enum wr_severity sev;
	const char *key;
	json_t *v;
	double value = 0;

	if (!r)
		return wr_errf(err, WR_EINVAL, "%s: rules.%s: unknown rule", path, id);
	if (!json_is_object(o))
		return wr_errf(err, WR_EINVAL, "%s: rules.%s: expected an object", path, id);
	json_object_foreach(o, key, v) {
		if (!strcmp(key, "severity")) {
			if (!json_is_string(v) || wr_severity_parse(json_string_value(v), &sev))
				return wr_errf(err, WR_EINVAL, "%s: rules.%s.severity: expected info, "
				               "warn, hard or off", path, id);
			if (r->floor && (sev == WR_SEV_OFF || sev < r->floor))
				return wr_errf(err, WR_EINVAL, "%s: rules.%s.severity: \"%s\" is "
				               "refused: an integrity rule stays %s", path, id,
				               json_string_value(v), wr_severity_name(r->floor));
			if (store_value(s, "INSERT INTO rule_severity VALUES (?1, ?2)", id, NULL, 0,
			                json_string_value(v), err))
				return WR_ESTORE;
		} else if (check_param(path, r, key, v, &value, err) < 0) {
			return WR_EINVAL;
		} else if (store_value(s, "INSERT INTO rule_params VALUES (?1, ?2, ?3)", id, key,
		                       value, NULL, err)) {
			return WR_ESTORE;
		}
	}
	return WR_OK;
}

int wr_rules_file_load(struct wr_store *s, const char *path, struct wr_err *err)
{
	json_error_t je;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je), *rules, *v;
	const char *id;
	int rc = WR_OK;

	if (!root)
		return je.line > 0 ? wr_errf(err, WR_EINVAL, "%s:%d:%d: %s", path, je.line,
		                             je.column, je.text)
		                   : wr_errf(err, WR_EINVAL, "%s: %s", path, je.text);
	rules = json_object_get(root, "rules");
	if (!json_is_object(rules))
		rc = wr_errf(err, WR_EINVAL, "%s: expected {\"rules\": {RULE: {...}}}", path);
	/* A file replaces every threshold: what it leaves out is the default. */
	if (rc == WR_OK && (wr_store_exec(s, "DELETE FROM rule_params", err) ||
	                    wr_store_exec(s, "DELETE FROM rule_severity", err)))
		rc = WR_ESTORE;
	json_object_foreach(rules, id, v) {
		if (rc == WR_OK)
			rc = load_rule(s, path, id, v, err);
	}
	json_object_foreach(root, id, v) {
		if (rc == WR_OK && strcmp(id, "rules") && strcmp(id, "description"))
			rc = wr_errf(err, WR_EINVAL, "%s: %s: unknown key (the file has \"rules\""
			             " and an optional \"description\")", path, id);
	}
	json_decref(root);
	return rc;
}
