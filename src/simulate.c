/* The caucus-night simulator (see simulate.h for the model). Three steps:
 * read the fixtures into a world, draw one clean tally per precinct, then
 * plant errors; the night is sorted by the time each line is sent and
 * rendered. Files only: no store, no terminal. */
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "warroom/alloc.h"
#include "warroom/contest.h"
#include "warroom/csv.h"
#include "warroom/rng.h"
#include "warroom/simulate.h"
#include "warroom/timefmt.h"

/* The real 2024 caucus: 110,298 voters, 0.5907 of the 2016 caucus. */
#define TURNOUT_VS_2016 0.5907
#define TURNOUT_VS_REG 0.179        /* when a fixture set has no 2016 baseline */
#define W16 0.45                    /* weights of the three turnout anchors */
#define W20 0.35
#define WREG 0.20
#define SIGMA_COUNTY 0.12           /* log-normal turnout factors */
#define SIGMA_PRECINCT 0.12
#define ALPHA_COUNTY 60.0           /* Dirichlet concentration around the state */
#define ALPHA_PRECINCT 150.0        /* ... and around the county */
#define HOTLINE_SHARE 0.25
#define BY_NAME_SHARE 0.10          /* of hotline calls */
#define HOTLINE_DESKS 8             /* drawn, no longer shown (see hotline_call) */
#define SUPER_SITE 4                /* precincts in a room that make a super site */
#define BURST_MIN 5

static const struct {
	const char *id;
	double share;
} SHARES[] = {
	{ "trump", 0.51 }, { "desantis", 0.21 }, { "haley", 0.19 },
	{ "ramaswamy", 0.077 }, { "hutchinson", 0.002 }, { "binkley", 0.007 },
};
#define NSHARES (sizeof SHARES / sizeof SHARES[0])

static const char *const KIND_NAMES[WR_SIM_KINDS] = {
	"clean", "digit_transposition", "extra_digit", "missing_digit",
	"candidates_swapped", "sum_not_total", "old_precinct_name", "duplicate",
	"conflicting_revision", "over_registered", "pre_opening", "device_burst",
	"wrong_precinct",
};

const char *wr_sim_kind_name(enum wr_sim_kind k)
{
	return k < WR_SIM_KINDS ? KIND_NAMES[k] : NULL;
}

/* ------------------------------------------------------------ the world */

struct pct {
	char code[33], county[8], name[129], site[33], old_name[129];
	long reg, b16, b20;
	int county_idx, site_idx;
	double rank;     /* by registration, 0 smallest .. 1 largest */
	double expect;   /* modelled turnout before the noise */
};

struct county {
	double factor;
	double share[WR_MAX_CANDIDATES];
};

struct world {
	struct pct *p;
	size_t np, ns, nc;
	int *site_n;                 /* precincts per site */
	struct county *c;
	int *by_code;                /* precinct indices sorted by code */
	size_t ncand;
	char cand[WR_MAX_CANDIDATES][WR_ID_MAX];
	double share[WR_MAX_CANDIDATES];
	int64_t opens_at;
	int offset;                  /* seconds east of UTC of the contest's clock */
	char zone[8];                /* "-06:00" or "Z" */
};

static void world_free(struct world *w)
{
	free(w->p);
	free(w->site_n);
	free(w->c);
	free(w->by_code);
}

static char *path_in(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = wr_xmalloc(n);

	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

/* Opens dir/name and finds the columns named in cols (NULL-terminated). */
static int csv_open(struct wr_csv **c, const char *dir, const char *name,
                    const char *const *cols, size_t *idx, struct wr_err *err)
{
	char *path = path_in(dir, name);
	int rc = wr_csv_open(c, path, err);

	free(path);
	for (size_t i = 0; rc == WR_OK && cols[i]; i++)
		rc = wr_csv_column(*c, cols[i], &idx[i], err);
	if (rc != WR_OK && *c) {
		wr_csv_close(*c);
		*c = NULL;
	}
	return rc;
}

static int read_precinct(struct wr_csv *c, const size_t *ix, struct pct *p,
                         struct wr_err *err)
{
	long long reg;

	memset(p, 0, sizeof *p);
	snprintf(p->code, sizeof p->code, "%s", wr_csv_field(c, ix[0]));
	snprintf(p->county, sizeof p->county, "%s", wr_csv_field(c, ix[1]));
	snprintf(p->name, sizeof p->name, "%s", wr_csv_field(c, ix[2]));
	snprintf(p->site, sizeof p->site, "%s", wr_csv_field(c, ix[3]));
	if (wr_csv_int(c, ix[4], 0, 100000000, &reg, err) != WR_OK)
		return WR_EINVAL;
	p->reg = (long)reg;
	return WR_OK;
}

static int load_precincts(struct world *w, const char *dir, struct wr_err *err)
{
	static const char *const cols[] = { "code", "county_fips", "name", "site",
	                                    "registered_rep", NULL };
	size_t ix[5], cap = 0;
	struct wr_csv *c = NULL;
	int rc = csv_open(&c, dir, "precincts.csv", cols, ix, err);

	while (rc == WR_OK && (rc = wr_csv_next(c, err)) == 1) {
		if (w->np == cap)
			w->p = wr_xrealloc(w->p, (cap = cap ? 2 * cap : 2048) * sizeof *w->p);
		rc = read_precinct(c, ix, &w->p[w->np++], err);
	}
	if (c)
		wr_csv_close(c);
	if (rc == WR_OK && w->np == 0)
		return wr_errf(err, WR_EINVAL, "%s/precincts.csv: no precincts", dir);
	return rc < 0 ? rc : WR_OK;
}

/* qsort has no context argument, so the comparators read the array here. */
static const struct pct *sort_p;

static int by_code(const void *a, const void *b)
{
	return strcmp(sort_p[*(const int *)a].code, sort_p[*(const int *)b].code);
}

static int by_county(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b, d = strcmp(sort_p[x].county,
	                                                         sort_p[y].county);

	return d ? d : (x > y) - (x < y);
}

static int by_site(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b, d = strcmp(sort_p[x].site,
	                                                         sort_p[y].site);

	return d ? d : (x > y) - (x < y);
}

static int by_reg(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	if (sort_p[x].reg != sort_p[y].reg)
		return (sort_p[x].reg > sort_p[y].reg) - (sort_p[x].reg < sort_p[y].reg);
	return (x > y) - (x < y);
}

static int *sorted(const struct world *w, int (*cmp)(const void *, const void *))
{
	int *ix = wr_xmalloc(w->np * sizeof *ix);

	for (size_t i = 0; i < w->np; i++)
		ix[i] = (int)i;
	sort_p = w->p;
	qsort(ix, w->np, sizeof *ix, cmp);
	return ix;
}

/* Numbers counties and sites in code order; counts precincts per site;
 * ranks precincts by registration. */
static void index_world(struct world *w)
{
	int *ix = sorted(w, by_county);

	for (size_t i = 0; i < w->np; i++) {
		if (i && strcmp(w->p[ix[i]].county, w->p[ix[i - 1]].county))
			w->nc++;
		w->p[ix[i]].county_idx = (int)w->nc;
	}
	w->nc++;
	free(ix);
	ix = sorted(w, by_site);
	w->site_n = wr_xcalloc(w->np, sizeof *w->site_n);
	for (size_t i = 0; i < w->np; i++) {
		if (i && strcmp(w->p[ix[i]].site, w->p[ix[i - 1]].site))
			w->ns++;
		w->p[ix[i]].site_idx = (int)w->ns;
		w->site_n[w->ns]++;
	}
	w->ns++;
	free(ix);
	ix = sorted(w, by_reg);
	for (size_t i = 0; i < w->np; i++)
		w->p[ix[i]].rank = w->np > 1 ? (double)i / (double)(w->np - 1) : 0;
	free(ix);
	w->by_code = sorted(w, by_code);
}

static int find_precinct(const struct world *w, const char *code)
{
	size_t lo = 0, hi = w->np;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int d = strcmp(w->p[w->by_code[mid]].code, code);

		if (d == 0)
			return w->by_code[mid];
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int add_baseline(struct world *w, struct wr_csv *c, const size_t *ix,
                        struct wr_err *err)
{
	long long year, votes;
	int i = find_precinct(w, wr_csv_field(c, ix[0]));

	if (wr_csv_int(c, ix[1], 1900, 2100, &year, err) != WR_OK ||
	    wr_csv_int(c, ix[2], 0, 100000000, &votes, err) != WR_OK)
		return WR_EINVAL;
	if (i < 0)
		return wr_errf(err, WR_EINVAL, "%s:%ld: unknown precinct \"%s\"",
		               wr_csv_path(c), wr_csv_line(c), wr_csv_field(c, ix[0]));
	if (year == 2016)
		w->p[i].b16 += (long)votes;
	else if (year == 2020)
		w->p[i].b20 += (long)votes;
	return WR_OK;
}

static int load_baselines(struct world *w, const char *dir, struct wr_err *err)
{
	static const char *const cols[] = { "precinct", "year", "votes", NULL };
	size_t ix[3];
	struct wr_csv *c = NULL;
	int rc = csv_open(&c, dir, "baselines.csv", cols, ix, err);

	while (rc == WR_OK && (rc = wr_csv_next(c, err)) == 1)
		rc = add_baseline(w, c, ix, err);
	if (c)
		wr_csv_close(c);
	return rc < 0 ? rc : WR_OK;
}

/* A precinct that took in two old ones keeps the first old name. */
static int load_aliases(struct world *w, const char *dir, struct wr_err *err)
{
	static const char *const cols[] = { "old_name", "code", NULL };
	size_t ix[2];
	struct wr_csv *c = NULL;
	int rc = csv_open(&c, dir, "aliases.csv", cols, ix, err);

	while (rc == WR_OK && (rc = wr_csv_next(c, err)) == 1) {
		int i = find_precinct(w, wr_csv_field(c, ix[1]));

		rc = WR_OK;
		if (i < 0)
			rc = wr_errf(err, WR_EINVAL, "%s:%ld: unknown precinct \"%s\"",
			             wr_csv_path(c), wr_csv_line(c), wr_csv_field(c, ix[1]));
		else if (!w->p[i].old_name[0])
			snprintf(w->p[i].old_name, sizeof w->p[i].old_name, "%s",
			         wr_csv_field(c, ix[0]));
	}
	if (c)
		wr_csv_close(c);
	return rc < 0 ? rc : WR_OK;
}

/* The zone of the contest's opening time is the zone every tally is
 * written in, as the phones of one state would. */
static void parse_zone(struct world *w, const char *opens)
{
	size_t n = strlen(opens);
	const char *z = n >= 6 ? opens + n - 6 : "";

	snprintf(w->zone, sizeof w->zone, "Z");
	w->offset = 0;
	if ((z[0] == '+' || z[0] == '-') && z[3] == ':') {
		snprintf(w->zone, sizeof w->zone, "%s", z);
		w->offset = (z[0] == '-' ? -1 : 1) * (atoi(z + 1) * 3600 + atoi(z + 4) * 60);
	}
}

static int read_candidates(struct world *w, json_t *cands, const char *path,
                           struct wr_err *err)
{
	size_t i;
	json_t *v;

	if (!json_is_array(cands) || json_array_size(cands) == 0 ||
	    json_array_size(cands) > WR_MAX_CANDIDATES)
		return wr_errf(err, WR_EINVAL, "%s: candidates: 1 to %d expected", path,
		               WR_MAX_CANDIDATES);
	json_array_foreach(cands, i, v) {
		const char *id = json_string_value(json_object_get(v, "id"));

		if (!id || strlen(id) >= WR_ID_MAX)
			return wr_errf(err, WR_EINVAL, "%s: candidates[%zu].id: a short string "
			               "expected", path, i);
		snprintf(w->cand[i], sizeof w->cand[i], "%s", id);
	}
	w->ncand = json_array_size(cands);
	return WR_OK;
}

static int load_contest(struct world *w, const char *dir, struct wr_err *err)
{
	char *path = path_in(dir, "contest.json");
	json_error_t je;
	json_t *root = json_load_file(path, 0, &je);
	const char *opens;
	int rc = WR_OK;

	if (!root) {
		rc = wr_errf(err, WR_EINVAL, "%s:%d: %s", path, je.line, je.text);
		free(path);
		return rc;
	}
	opens = json_string_value(json_object_get(root, "opens_at"));
	if (!opens || wr_time_parse(opens, &w->opens_at, err) != WR_OK)
		rc = wr_errf(err, WR_EINVAL, "%s: opens_at: an RFC 3339 time expected", path);
	else
		parse_zone(w, opens);
	if (rc == WR_OK)
		rc = read_candidates(w, json_object_get(root, "candidates"), path, err);
	json_decref(root);
	free(path);
	return rc;
}

/* The 2024 shares by candidate id; ids the table lacks split "other". */
static void state_shares(struct world *w)
{
	double other = 1, sum = 0;
	size_t unknown = 0;

	for (size_t k = 0; k < NSHARES; k++)
		other -= SHARES[k].share;
	for (size_t i = 0; i < w->ncand; i++) {
		w->share[i] = -1;
		for (size_t k = 0; k < NSHARES; k++)
			if (!strcmp(w->cand[i], SHARES[k].id))
				w->share[i] = SHARES[k].share;
		unknown += w->share[i] < 0;
	}
	for (size_t i = 0; i < w->ncand; i++) {
		if (w->share[i] < 0)
			w->share[i] = other / (double)unknown;
		sum += w->share[i];
	}
	for (size_t i = 0; i < w->ncand; i++)
		w->share[i] = sum > 0 ? w->share[i] / sum : 1.0 / (double)w->ncand;
}

/* Each anchor is scaled so the state sums to the 2024 turnout; anchors a
 * fixture set lacks drop out of the blend. */
static void expectations(struct world *w)
{
	double s16 = 0, s20 = 0, sreg = 0, target, k16, k20, kreg, wsum;

	for (size_t i = 0; i < w->np; i++) {
		s16 += (double)w->p[i].b16;
		s20 += (double)w->p[i].b20;
		sreg += (double)w->p[i].reg;
	}
	target = s16 > 0 ? TURNOUT_VS_2016 * s16 : TURNOUT_VS_REG * sreg;
	k16 = s16 > 0 ? target / s16 : 0;
	k20 = s20 > 0 ? target / s20 : 0;
	kreg = sreg > 0 ? target / sreg : 0;
	wsum = (k16 > 0) * W16 + (k20 > 0) * W20 + (kreg > 0) * WREG;
	for (size_t i = 0; i < w->np; i++) {
		struct pct *p = &w->p[i];

		p->expect = wsum <= 0 ? 0 : (W16 * k16 * (double)p->b16 + W20 * k20 *
		            (double)p->b20 + WREG * kreg * (double)p->reg) / wsum;
	}
}

static int load_world(struct world *w, const char *dir, struct wr_err *err)
{
	int rc;

	memset(w, 0, sizeof *w);
	if ((rc = load_contest(w, dir, err)) != WR_OK ||
	    (rc = load_precincts(w, dir, err)) != WR_OK)
		return rc;
	index_world(w);
	if ((rc = load_baselines(w, dir, err)) != WR_OK ||
	    (rc = load_aliases(w, dir, err)) != WR_OK)
		return rc;
	state_shares(w);
	expectations(w);
	return WR_OK;
}

/* ------------------------------------------------------------ the night */

struct tally {
	long seq;                 /* creation order: breaks ties in time */
	int pct, keyed;           /* whose tally; whose code is written */
	int hotline, by_name;     /* by_name: county + name instead of a code */
	char name[160];
	char reporter[48], device[16];
	int64_t at, sent;
	int64_t votes[WR_MAX_CANDIDATES], total;
	enum wr_sim_kind kind;
	long orig;                /* seq of the tally a resend or revision repeats,
	                           * or of the burst device's own tally */
	long moved, true_total;
	double clean_odds;        /* -1 unless a numeric slip (see clean_odds) */
	char detail[320];         /* kind-specific label members: ,"k":v... */
	char sid[24];
};

struct sim {
	struct world w;
	struct wr_rng model, plant;
	struct tally *t;
	size_t n, cap;
	unsigned char *used;      /* per precinct: a planting touches it */
	int *order;               /* precincts in a random order, for planting */
};

/* from may point into s->t, which the realloc can move: copied first. */
static struct tally *add_tally(struct sim *s, const struct tally *from)
{
	struct tally copy = *from;

	if (s->n == s->cap)
		s->t = wr_xrealloc(s->t, (s->cap = s->cap ? 2 * s->cap : 4096) * sizeof *s->t);
	s->t[s->n] = copy;
	s->t[s->n].seq = (long)s->n;
	return &s->t[s->n++];
}

static void dirichlet(struct wr_rng *r, const double *mean, double conc, size_t n,
                      double *out)
{
	double sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += out[i] = wr_rng_gamma(r, conc * mean[i]);
	for (size_t i = 0; i < n; i++)
		out[i] = sum > 0 ? out[i] / sum : mean[i];
}

/* Every voter picks a candidate from share. */
static void cast(struct wr_rng *r, const double *share, size_t n, int64_t total,
                 int64_t *votes)
{
	memset(votes, 0, n * sizeof *votes);
	for (int64_t v = 0; v < total; v++) {
		double u = wr_rng_uniform(r), acc = 0;
		size_t i = 0;

		while (i + 1 < n && u >= (acc += share[i]))
			i++;
		votes[i]++;
	}
}

/* A plausible tally for precinct i: its modelled turnout with noise sigma,
 * shares around its county's. */
static int64_t draw_votes(struct wr_rng *r, const struct world *w, int i, double sigma,
                          int64_t *votes)
{
	const struct pct *p = &w->p[i];
	double share[WR_MAX_CANDIDATES];
	double x = p->expect * w->c[p->county_idx].factor * exp(sigma * wr_rng_normal(r));
	int64_t total = llround(x) < 2 ? 2 : llround(x);

	dirichlet(r, w->c[p->county_idx].share, ALPHA_PRECINCT, w->ncand, share);
	cast(r, share, w->ncand, total, votes);
	return total;
}

/* A 24-bit bijection, so every precinct's and site's device differs. */
static unsigned device_no(unsigned i, uint64_t seed)
{
	uint64_t x = (i ^ (unsigned)(seed * 0x2545f491u)) & 0xffffffu;

	x = (x * 0x9e3779u) & 0xffffffu;
	x ^= x >> 11;
	x = (x * 0x5bd1e5u) & 0xffffffu;
	x ^= x >> 13;
	return (unsigned)x;
}

/* An empty site is no room: its precincts do not share a reporter. */
static int super_site(const struct world *w, int i)
{
	return w->p[i].site[0] && w->site_n[w->p[i].site_idx] >= SUPER_SITE;
}

/* Precinct i's reporter on the party's roster (fixtures/.../reporters.csv):
 * a super site's one reporter, else the precinct's own chair. */
static void chair(const struct world *w, int i, char *out, size_t n)
{
	snprintf(out, n, "rep-%s", super_site(w, i) ? w->p[i].site : w->p[i].code);
}

/* A call is logged under its caller, the chair of the room whose tally it
 * is (t->pct), not of the precinct keyed: that is what lets the roster
 * catch a wrong precinct. The desk is still drawn so every other number of
 * a seed's night stays as it was. */
static void hotline_call(const struct world *w, struct wr_rng *r, struct tally *t)
{
	t->hotline = 1;
	t->device[0] = '\0';
	(void)wr_rng_below(r, HOTLINE_DESKS);
	chair(w, t->pct, t->reporter, sizeof t->reporter);
}

/* Callers say a name their own way: lower case, "Twp", a doubled space. */
static void spoken(struct wr_rng *r, const char *name, char *out, size_t n)
{
	char *sp;
	int v = (int)wr_rng_below(r, 4);

	snprintf(out, n, "%s", name);
	if (v == 1 && (sp = strstr(out, " Township")) != NULL)
		snprintf(sp, n - (size_t)(sp - out), " Twp");
	else if (v == 1 || v == 2)
		for (sp = out; *sp; sp++)
			*sp = (char)(*sp >= 'A' && *sp <= 'Z' ? *sp + 32 : *sp);
	else if (v == 3 && (sp = strchr(out, ' ')) != NULL && strlen(out) + 2 < n)
		memmove(sp + 1, sp, strlen(sp) + 1);
}

/* Minutes after opening: speeches and the vote first, then bigger rooms
 * count longer; hotline calls wait in a queue. */
static int64_t report_time(struct sim *s, const struct pct *p, int hotline)
{
	struct wr_rng *r = &s->model;
	double m = 25 + 100 * p->rank + 30 * wr_rng_uniform(r) -
	           8 * log(1 - wr_rng_uniform(r));

	if (hotline)
		m += 15 * wr_rng_uniform(r);
	return s->w.opens_at + llround(60 * (m > 235 ? 235 : m));
}

static void app_reporter(struct sim *s, struct tally *t, uint64_t seed)
{
	const struct pct *p = &s->w.p[t->pct];
	int site = super_site(&s->w, t->pct);
	unsigned who = site ? (unsigned)(s->w.np + (size_t)p->site_idx) : (unsigned)t->pct;

	chair(&s->w, t->pct, t->reporter, sizeof t->reporter);
	snprintf(t->device, sizeof t->device, "dev-%06x", device_no(who, seed));
}

static void clean_tally(struct sim *s, int i, double p_hotline, uint64_t seed)
{
	struct tally t;

	memset(&t, 0, sizeof t);
	t.pct = t.keyed = i;
	t.orig = -1;
	t.moved = -1;
	t.clean_odds = -1;
	t.total = draw_votes(&s->model, &s->w, i, SIGMA_PRECINCT, t.votes);
	t.true_total = (long)t.total;
	if (!super_site(&s->w, i) && wr_rng_uniform(&s->model) < p_hotline)
		hotline_call(&s->w, &s->model, &t);
	else
		app_reporter(s, &t, seed);
	if (t.hotline && wr_rng_uniform(&s->model) < BY_NAME_SHARE) {
		t.by_name = 1;
		spoken(&s->model, s->w.p[i].name, t.name, sizeof t.name);
	}
	t.at = t.sent = report_time(s, &s->w.p[i], t.hotline);
	add_tally(s, &t);
}

/* A super site's reporter sends its precincts one after another once the
 * room is done, which is when its latest precinct would have been. */
static void super_site_times(struct sim *s)
{
	int *ix = sorted(&s->w, by_site);

	for (size_t a = 0, b; a < s->w.np; a = b) {
		int64_t done = 0;

		for (b = a; b < s->w.np && s->w.p[ix[b]].site_idx == s->w.p[ix[a]].site_idx; b++)
			done = s->t[ix[b]].at > done ? s->t[ix[b]].at : done;
		if (b - a < SUPER_SITE || !s->w.p[ix[a]].site[0])
			continue;
		for (size_t k = a; k < b; k++) {
			done += 30 + (int64_t)wr_rng_below(&s->model, 91);
			s->t[ix[k]].at = s->t[ix[k]].sent = done;
		}
	}
	free(ix);
}

static void draw_counties(struct sim *s)
{
	s->w.c = wr_xcalloc(s->w.nc, sizeof *s->w.c);
	for (size_t c = 0; c < s->w.nc; c++) {
		s->w.c[c].factor = exp(SIGMA_COUNTY * wr_rng_normal(&s->model));
		dirichlet(&s->model, s->w.share, ALPHA_COUNTY, s->w.ncand, s->w.c[c].share);
	}
}

/* Hotline odds among ordinary precincts, so that 25% of all precincts
 * phone in although super sites always use the app. */
static double hotline_odds(const struct world *w)
{
	size_t plain = 0;

	for (size_t i = 0; i < w->np; i++)
		plain += !super_site(w, (int)i);
	return plain ? fmin(1.0, HOTLINE_SHARE * (double)w->np / (double)plain) : 0;
}

static void draw_clean_night(struct sim *s, uint64_t seed)
{
	double odds = hotline_odds(&s->w);

	draw_counties(s);
	for (size_t i = 0; i < s->w.np; i++)
		clean_tally(s, (int)i, odds, seed);
	super_site_times(s);
}

/* ----------------------------------------------------------- digit slips */

/* Decimal digits of v; returns their count. */
static int digits(int64_t v, char *out)
{
	return snprintf(out, 24, "%lld", (long long)v);
}

/* The total follows the slip (the app adds up what was keyed), so the sum
 * check cannot see it: only the numbers' size can. */
static void slip_label(struct tally *t, size_t i, const char *cand, int64_t was)
{
	t->moved = (long)llabs(t->votes[i] - was);
	snprintf(t->detail, sizeof t->detail, ",\"candidate\":\"%s\",\"true_votes\":%lld,"
	         "\"keyed_votes\":%lld", cand, (long long)was, (long long)t->votes[i]);
	t->total = 0;
	for (size_t k = 0; k < WR_MAX_CANDIDATES; k++)
		t->total += t->votes[k];
}

/* Positions k where digits k and k+1 differ and swapping them does not put
 * a zero in front. */
static int transpositions(int64_t v, int *pos)
{
	char d[24];
	int n = digits(v, d), m = 0;

	for (int k = 0; k + 1 < n; k++)
		if (d[k] != d[k + 1] && !(k == 0 && d[1] == '0'))
			pos[m++] = k;
	return m;
}

static int plant_transposition(struct sim *s, int p)
{
	struct tally *t = &s->t[p];
	int cands[WR_MAX_CANDIDATES], pos[24], nc = 0, k;
	char d[24], ch;
	int64_t was;
	size_t i;

	for (size_t c = 0; c < s->w.ncand; c++)
		if (transpositions(t->votes[c], pos) > 0)
			cands[nc++] = (int)c;
	if (nc == 0)
		return 0;
	i = (size_t)cands[wr_rng_below(&s->plant, (uint64_t)nc)];
	k = transpositions(t->votes[i], pos);
	digits(was = t->votes[i], d);
	k = pos[wr_rng_below(&s->plant, (uint64_t)k)];
	ch = d[k], d[k] = d[k + 1], d[k + 1] = ch;
	t->votes[i] = strtoll(d, NULL, 10);
	slip_label(t, i, s->w.cand[i], was);
	return 1;
}

static int plant_extra_digit(struct sim *s, int p)
{
	struct tally *t = &s->t[p];
	int cands[WR_MAX_CANDIDATES], nc = 0, n, at, dig;
	char d[24], out[26];
	int64_t was;
	size_t i;

	for (size_t k = 0; k < s->w.ncand; k++)
		if (t->votes[k] >= 1)
			cands[nc++] = (int)k;
	if (nc == 0)
		return 0;
	i = (size_t)cands[wr_rng_below(&s->plant, (uint64_t)nc)];
	n = digits(was = t->votes[i], d);
	at = (int)wr_rng_below(&s->plant, (uint64_t)n + 1);
	dig = at == 0 ? 1 + (int)wr_rng_below(&s->plant, 9) : (int)wr_rng_below(&s->plant, 10);
	snprintf(out, sizeof out, "%.*s%d%s", at, d, dig, d + at);
	t->votes[i] = strtoll(out, NULL, 10);
	slip_label(t, i, s->w.cand[i], was);
	return 1;
}

static int plant_missing_digit(struct sim *s, int p)
{
	struct tally *t = &s->t[p];
	int cands[WR_MAX_CANDIDATES], nc = 0, n, at;
	char d[24];
	int64_t was;
	size_t i;

	for (size_t k = 0; k < s->w.ncand; k++)
		if (t->votes[k] >= 10)
			cands[nc++] = (int)k;
	if (nc == 0)
		return 0;
	i = (size_t)cands[wr_rng_below(&s->plant, (uint64_t)nc)];
	n = digits(was = t->votes[i], d);
	at = (int)wr_rng_below(&s->plant, (uint64_t)n);
	memmove(d + at, d + at + 1, strlen(d + at));
	t->votes[i] = strtoll(d, NULL, 10);
	slip_label(t, i, s->w.cand[i], was);
	return 1;
}

/* ------------------------------------------------------ other numbers */

/* Two candidates whose counts differ by a tenth of the total or more, so
 * the swap is not a rounding error. */
static int plant_swap(struct sim *s, int p)
{
	struct tally *t = &s->t[p];
	int pairs[WR_MAX_CANDIDATES * WR_MAX_CANDIDATES][2], n = 0, *q;
	int64_t a, b;

	for (size_t i = 0; i < s->w.ncand; i++)
		for (size_t j = i + 1; j < s->w.ncand; j++)
			if (llabs(t->votes[i] - t->votes[j]) >= 2 &&
			    10 * llabs(t->votes[i] - t->votes[j]) >= t->total) {
				pairs[n][0] = (int)i;
				pairs[n++][1] = (int)j;
			}
	if (n == 0)
		return 0;
	q = pairs[wr_rng_below(&s->plant, (uint64_t)n)];
	a = t->votes[q[0]], b = t->votes[q[1]];
	t->votes[q[0]] = b, t->votes[q[1]] = a;
	t->moved = (long)llabs(a - b);
	snprintf(t->detail, sizeof t->detail, ",\"candidate\":\"%s\",\"swapped_with\":\"%s\","
	         "\"true_votes\":[%lld,%lld],\"keyed_votes\":[%lld,%lld]", s->w.cand[q[0]],
	         s->w.cand[q[1]], (long long)a, (long long)b, (long long)b, (long long)a);
	return 1;
}

static int plant_sum(struct sim *s, int p)
{
	struct tally *t = &s->t[p];
	int64_t d = 1 + (int64_t)wr_rng_below(&s->plant, (uint64_t)(t->total / 10 + 1));

	if (wr_rng_below(&s->plant, 2) && d <= t->total)
		d = -d;
	snprintf(t->detail, sizeof t->detail, ",\"keyed_total\":%lld",
	         (long long)(t->total + d));
	t->total += d;
	t->moved = (long)llabs(d);
	return 1;
}

/* Largest remainder: votes scaled to a new total, shares kept. */
static void rescale(int64_t *votes, size_t n, int64_t from, int64_t to)
{
	double rem[WR_MAX_CANDIDATES];
	int64_t left = to;

	for (size_t i = 0; i < n; i++) {
		double x = from > 0 ? (double)votes[i] * (double)to / (double)from
		                    : (i == 0 ? (double)to : 0);

		votes[i] = (int64_t)floor(x);
		rem[i] = x - (double)votes[i];
		left -= votes[i];
	}
	while (left-- > 0) {
		size_t best = 0;

		for (size_t i = 1; i < n; i++)
			if (rem[i] > rem[best])
				best = i;
		votes[best]++;
		rem[best] = -1;
	}
}

static int plant_over_registered(struct sim *s, int p)
{
	struct tally *t = &s->t[p];
	long reg = s->w.p[p].reg;
	int64_t to = reg + 1 + (int64_t)wr_rng_below(&s->plant,
	                                             (uint64_t)(reg * 6 / 10 > 5 ? reg * 6 / 10 : 5));

	if (reg < 1)
		return 0;
	rescale(t->votes, s->w.ncand, t->total, to);
	snprintf(t->detail, sizeof t->detail, ",\"registered\":%ld,\"keyed_total\":%lld",
	         reg, (long long)to);
	t->moved = (long)(to - t->total);
	t->total = to;
	return 1;
}

/* -------------------------------------------------- names and records */

static void json_escape(char *out, size_t n, const char *in)
{
	size_t k = 0;

	for (; *in && k + 7 < n; in++) {
		unsigned char c = (unsigned char)*in;

		if (c == '"' || c == '\\')
			k += (size_t)snprintf(out + k, n - k, "\\%c", c);
		else if (c < 0x20)
			k += (size_t)snprintf(out + k, n - k, "\\u%04x", c);
		else
			out[k++] = (char)c;
	}
	out[k] = '\0';
}

static int plant_old_name(struct sim *s, int p)
{
	struct tally *t = &s->t[p];
	char esc[260];

	if (!s->w.p[p].old_name[0])
		return 0;
	hotline_call(&s->w, &s->plant, t);
	t->by_name = 1;
	snprintf(t->name, sizeof t->name, "%s", s->w.p[p].old_name);
	json_escape(esc, sizeof esc, t->name);
	snprintf(t->detail, sizeof t->detail, ",\"keyed_name\":\"%s\"", esc);
	return 1;
}

static int plant_duplicate(struct sim *s, int p)
{
	struct tally *t = add_tally(s, &s->t[p]);

	t->kind = WR_SIM_DUPLICATE;
	t->orig = p;
	t->sent += 60 + (int64_t)wr_rng_below(&s->plant, 1140);
	return 1;
}

/* A correction from the same reporter 5 to 40 minutes later: votes moved
 * between two candidates, or one count changed. */
static int plant_revision(struct sim *s, int p)
{
	struct tally *t;
	int64_t m;
	size_t i, j;

	if (s->t[p].total < 5)
		return 0;
	t = add_tally(s, &s->t[p]);
	t->orig = p;
	t->at = t->sent = t->at + 300 + (int64_t)wr_rng_below(&s->plant, 2100);
	m = 1 + (int64_t)wr_rng_below(&s->plant, (uint64_t)(t->total / 10 + 1));
	i = 0;
	for (size_t k = 1; k < s->w.ncand; k++)
		i = t->votes[k] > t->votes[i] ? k : i;
	j = (i + 1 + wr_rng_below(&s->plant, s->w.ncand - 1 ? s->w.ncand - 1 : 1)) % s->w.ncand;
	if (wr_rng_below(&s->plant, 2) && j != i && t->votes[i] >= m)
		t->votes[i] -= m, t->votes[j] += m;
	else
		t->votes[i] += m, t->total += m;
	t->moved = (long)m;
	return 1;
}

/* Test data from the precinct's own app before the caucus opened; the
 * real tally still comes later. */
static int plant_pre_opening(struct sim *s, int p)
{
	struct tally *t;
	int64_t before = 300 + (int64_t)wr_rng_below(&s->plant, 7200);

	if (s->t[p].hotline)
		return 0;
	t = add_tally(s, &s->t[p]);
	t->at = t->sent = s->w.opens_at - before;
	t->total = 0;
	for (size_t i = 0; i < s->w.ncand; i++)
		t->total += t->votes[i] = (int64_t)wr_rng_below(&s->plant, 10);
	snprintf(t->detail, sizeof t->detail, ",\"minutes_before\":%lld",
	         (long long)((before + 59) / 60));
	return 1;
}

/* Unused precincts of p's county other than p, in planting order; those at
 * p's own site are left out when other_site. */
static size_t neighbours(const struct sim *s, int p, int other_site, int *out)
{
	const struct pct *a = &s->w.p[p];
	size_t n = 0;

	for (size_t k = 0; k < s->w.np; k++) {
		const struct pct *b = &s->w.p[s->order[k]];

		if (s->order[k] != p && !s->used[s->order[k]] &&
		    b->county_idx == a->county_idx && !(other_site && b->site_idx == a->site_idx))
			out[n++] = s->order[k];
	}
	return n;
}

static void burst_tally(struct sim *s, int owner, int q, int64_t at)
{
	struct tally *t = add_tally(s, &s->t[owner]);

	t->pct = t->keyed = q;
	t->orig = owner;
	t->by_name = 0;
	t->at = t->sent = at;
	t->total = draw_votes(&s->plant, &s->w, q, 0.25, t->votes);
	t->true_total = s->t[q].true_total;
	t->kind = WR_SIM_DEVICE_BURST;
	snprintf(t->detail, sizeof t->detail, ",\"device\":\"%s\"", t->device);
	s->used[q] = 1;
}

static int plant_burst(struct sim *s, int p)
{
	int *near;
	size_t n, k = BURST_MIN + wr_rng_below(&s->plant, 3);
	int64_t at;

	if (s->t[p].hotline || super_site(&s->w, p))
		return 0;
	near = wr_xmalloc(s->w.np * sizeof *near);
	n = neighbours(s, p, 1, near);
	if (n >= BURST_MIN) {
		at = s->t[p].at + 60 + (int64_t)wr_rng_below(&s->plant, 240);
		for (size_t i = 0; i < k && i < n; i++) {
			burst_tally(s, p, near[i], at);
			at += 30 + (int64_t)wr_rng_below(&s->plant, 91);
		}
	}
	free(near);
	return n >= BURST_MIN;
}

/* The precinct's own chair phones in its real tally and the staff key it
 * under another precinct of the county: the numbers look honest, but the
 * caller is on the roster for the keyed precinct only if both share a
 * super site. */
static int plant_wrong_precinct(struct sim *s, int p)
{
	int *near = wr_xmalloc(s->w.np * sizeof *near);
	size_t n = neighbours(s, p, 0, near);
	struct tally *t = &s->t[p];

	if (n > 0) {
		t->keyed = near[wr_rng_below(&s->plant, n)];
		s->used[t->keyed] = 1;
		t->by_name = 0;
		if (!t->hotline)
			hotline_call(&s->w, &s->plant, t);
		snprintf(t->detail, sizeof t->detail, ",\"keyed_precinct\":\"%s\"",
		         s->w.p[t->keyed].code);
	}
	free(near);
	return n > 0;
}

/* ------------------------------------------------------------ planting */

typedef int (*plant_fn)(struct sim *s, int p);

static const plant_fn PLANT[WR_SIM_KINDS] = {
	NULL, plant_transposition, plant_extra_digit, plant_missing_digit, plant_swap,
	plant_sum, plant_old_name, plant_duplicate, plant_revision,
	plant_over_registered, plant_pre_opening, plant_burst, plant_wrong_precinct,
};

/* Kinds that change the precinct's own tally rather than add a record. */
static int in_place(enum wr_sim_kind k)
{
	return k != WR_SIM_DUPLICATE && k != WR_SIM_CONFLICTING_REVISION &&
	       k != WR_SIM_PRE_OPENING && k != WR_SIM_DEVICE_BURST;
}

/* Plants kind on the first unused precinct (in random order) that can take
 * it; 0 when none can. */
static int plant_one(struct sim *s, enum wr_sim_kind kind)
{
	for (size_t k = 0; k < s->w.np; k++) {
		int p = s->order[k];
		size_t before = s->n;

		if (s->used[p] || !PLANT[kind](s, p))
			continue;
		s->used[p] = 1;
		if (in_place(kind))
			s->t[p].kind = kind;
		for (size_t i = before; i < s->n; i++)
			s->t[i].kind = kind;
		return 1;
	}
	return 0;
}

static void plant_errors(struct sim *s, double rate)
{
	long n = lround(rate * (double)s->w.np);

	s->used = wr_xcalloc(s->w.np, 1);
	s->order = wr_xmalloc(s->w.np * sizeof *s->order);
	for (size_t i = 0; i < s->w.np; i++)
		s->order[i] = (int)i;
	for (size_t i = s->w.np; i > 1; i--) {
		size_t j = wr_rng_below(&s->plant, i);
		int x = s->order[i - 1];

		s->order[i - 1] = s->order[j];
		s->order[j] = x;
	}
	for (long i = 0; i < n; i++)
		plant_one(s, (enum wr_sim_kind)(1 + i % (WR_SIM_KINDS - 1)));
}

/* ---------------------------------------------------------- clean odds */

/* Enough draws that odds near 0.01 are measured to about +-0.002, few
 * enough that a night's slips cost a fraction of a second. */
#define ODDS_DRAWS 2000
#define ALPHA_FLOOR 1e-6            /* a zero share must not give lgamma(0) */

/* What the score needs of one precinct's clean-tally model, worked out
 * once per slip rather than once per draw. */
struct odds_model {
	size_t ncand;
	double log_expect;              /* ln(expect x county factor) */
	double alpha[WR_MAX_CANDIDATES], lg_alpha[WR_MAX_CANDIDATES];
	double a, lg_a;                 /* the alphas' sum and its lgamma */
};

static void odds_model(const struct world *w, int i, struct odds_model *m)
{
	const struct pct *p = &w->p[i];
	const struct county *c = &w->c[p->county_idx];

	m->ncand = w->ncand;
	/* A precinct without anchors expects 0 voters: keep the log finite. */
	m->log_expect = log(fmax(p->expect * c->factor, 1e-9));
	m->a = 0;
	for (size_t k = 0; k < w->ncand; k++) {
		m->alpha[k] = fmax(ALPHA_PRECINCT * c->share[k], ALPHA_FLOOR);
		m->lg_alpha[k] = lgamma(m->alpha[k]);
		m->a += m->alpha[k];
	}
	m->lg_a = lgamma(m->a);
}

/* How unusual a tally is under the model, higher being rarer: the
 * turnout's log-normal z^2/2 less the log Dirichlet-multinomial of the
 * counts given their sum. Only its order matters, so constants are left
 * out. */
static double unlikeliness(const struct odds_model *m, const int64_t *votes)
{
	int64_t n = 0;
	double z, ldm;

	for (size_t k = 0; k < m->ncand; k++)
		n += votes[k];
	z = (log((double)(n > 1 ? n : 1)) - m->log_expect) / SIGMA_PRECINCT;
	ldm = m->lg_a - lgamma((double)n + m->a) + lgamma((double)n + 1);
	for (size_t k = 0; k < m->ncand; k++)
		ldm += lgamma((double)votes[k] + m->alpha[k]) - m->lg_alpha[k] -
		       lgamma((double)votes[k] + 1);
	return 0.5 * z * z - ldm;
}

/* A stream per precinct of its own, neither model nor plant, so measuring
 * leaves the night and the plantings as they were for the seed. */
static uint64_t odds_seed(uint64_t seed, int i)
{
	return (seed * 0x9e3779b97f4a7c15ULL) ^ ((uint64_t)i + 1) * 0xbf58476d1ce4e5b9ULL ^
	       0x636c65616e6f6464ULL;
}

/* The share of precinct i's clean tallies at least as unusual as keyed
 * (Monte Carlo, counting keyed itself so it is never 0): a slip as common
 * as clean tallies cannot be told from them by its numbers alone. */
static double clean_odds(const struct world *w, int i, const int64_t *keyed,
                         uint64_t seed)
{
	struct odds_model m;
	struct wr_rng r;
	int64_t v[WR_MAX_CANDIDATES];
	double t;
	long as_unusual = 0;

	odds_model(w, i, &m);
	t = unlikeliness(&m, keyed);
	wr_rng_seed(&r, odds_seed(seed, i));
	for (int d = 0; d < ODDS_DRAWS; d++) {
		draw_votes(&r, w, i, SIGMA_PRECINCT, v);
		as_unusual += unlikeliness(&m, v) >= t;
	}
	return (1.0 + (double)as_unusual) / (ODDS_DRAWS + 1.0);
}

/* The kinds that leave a tally adding up: only its numbers can give them
 * away. */
static int numeric_slip(enum wr_sim_kind k)
{
	return k == WR_SIM_DIGIT_TRANSPOSITION || k == WR_SIM_EXTRA_DIGIT ||
	       k == WR_SIM_MISSING_DIGIT || k == WR_SIM_CANDIDATES_SWAPPED;
}

static void measure_slips(struct sim *s, uint64_t seed)
{
	for (size_t i = 0; i < s->n; i++) {
		struct tally *t = &s->t[i];

		t->clean_odds = numeric_slip(t->kind) ? clean_odds(&s->w, t->pct, t->votes, seed)
		                                      : -1;
	}
}

/* ------------------------------------------------------------ rendering */

static int by_sent(const void *a, const void *b)
{
	const struct tally *x = a, *y = b;

	if (x->sent != y->sent)
		return (x->sent > y->sent) - (x->sent < y->sent);
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Sorts by time sent and numbers the ids per source in that order; a
 * resend repeats its original's id. pos maps seq to the sorted place. */
static long *sort_and_number(struct sim *s)
{
	long *pos = wr_xmalloc(s->n * sizeof *pos), app = 0, hl = 0;

	qsort(s->t, s->n, sizeof *s->t, by_sent);
	for (size_t i = 0; i < s->n; i++)
		pos[s->t[i].seq] = (long)i;
	for (size_t i = 0; i < s->n; i++) {
		struct tally *t = &s->t[i];

		if (t->kind == WR_SIM_DUPLICATE)
			memcpy(t->sid, s->t[pos[t->orig]].sid, sizeof t->sid);
		else if (t->hotline)
			snprintf(t->sid, sizeof t->sid, "hl-%06ld", ++hl);
		else
			snprintf(t->sid, sizeof t->sid, "app-%06ld", ++app);
	}
	return pos;
}

static void format_time(const struct world *w, int64_t t, char *out, size_t n)
{
	time_t local = (time_t)(t + w->offset);
	struct tm tm;

	gmtime_r(&local, &tm);
	snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d%s", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, w->zone);
}

struct buf {
	char *s;
	size_t len, cap;
};

static void bput(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void bput(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (b->len + (size_t)n + 1 > b->cap)
		b->s = wr_xrealloc(b->s, b->cap = 2 * (b->len + (size_t)n + 1));
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* The fields in the order of the sample night's lines. */
static char *render(const struct world *w, const struct tally *t)
{
	struct buf b = { 0 };
	const struct pct *k = &w->p[t->keyed];
	char when[96], name[400];

	format_time(w, t->at, when, sizeof when);
	bput(&b, "{\"submission_id\":\"%s\",\"source\":\"%s\",", t->sid,
	     t->hotline ? "hotline" : "app");
	json_escape(name, sizeof name, t->name);
	if (t->by_name)
		bput(&b, "\"county\":\"%s\",\"precinct_name\":\"%s\",", k->county, name);
	else
		bput(&b, "\"precinct\":\"%s\",", k->code);
	bput(&b, "\"reported_at\":\"%s\",\"reporter\":\"%s\",", when, t->reporter);
	if (t->device[0])
		bput(&b, "\"device\":\"%s\",", t->device);
	for (size_t i = 0; i < w->ncand; i++)
		bput(&b, "%s\"%s\":%lld", i ? "," : "\"votes\":{", w->cand[i],
		     (long long)t->votes[i]);
	bput(&b, "},\"total\":%lld}", (long long)t->total);
	return b.s;
}

static char *label(const struct sim *s, const struct tally *t, size_t line,
                   const long *pos)
{
	struct buf b = { 0 };

	bput(&b, "{\"line\":%zu,\"submission_id\":\"%s\",\"kind\":\"%s\",\"precinct\":\"%s\"",
	     line, t->sid, KIND_NAMES[t->kind], s->w.p[t->pct].code);
	if (t->kind == WR_SIM_DUPLICATE)
		bput(&b, ",\"resends_line\":%ld", pos[t->orig] + 1);
	if (t->kind == WR_SIM_CONFLICTING_REVISION)
		bput(&b, ",\"revises\":\"%s\"", s->t[pos[t->orig]].sid);
	bput(&b, "%s", t->detail);
	if (t->moved >= 0)
		bput(&b, ",\"moved\":%ld", t->moved);
	bput(&b, ",\"true_total\":%ld", t->true_total);
	/* Digits by hand: %f would follow a locale's decimal comma. */
	if (t->clean_odds >= 0) {
		long q = lround(t->clean_odds * 10000);

		bput(&b, ",\"clean_odds\":%ld.%04ld", q / 10000, q % 10000);
	}
	bput(&b, "}");
	return b.s;
}

static struct wr_night *night_of(struct sim *s)
{
	struct wr_night *n = wr_xcalloc(1, sizeof *n);
	unsigned char *hit = wr_xcalloc(s->w.np, 1);
	long *pos = sort_and_number(s);

	/* A burst device's own precinct counts as hit: its tally came from it. */
	for (size_t i = 0; i < s->n; i++)
		if (s->t[i].kind != WR_SIM_CLEAN) {
			hit[s->t[i].pct] = hit[s->t[i].keyed] = 1;
			if (s->t[i].orig >= 0)
				hit[s->t[pos[s->t[i].orig]].pct] = 1;
		}
	n->opens_at = s->w.opens_at;
	n->nprecincts = s->w.np;
	n->n = s->n;
	n->rec = wr_xcalloc(s->n, sizeof *n->rec);
	for (size_t i = 0; i < s->n; i++) {
		const struct tally *t = &s->t[i];
		struct wr_sim_record *r = &n->rec[i];

		r->sent_at = t->sent;
		r->kind = t->kind;
		memcpy(r->submission_id, t->sid, sizeof r->submission_id);
		snprintf(r->precinct, sizeof r->precinct, "%s", s->w.p[t->pct].code);
		r->touched = hit[t->pct] || hit[t->keyed];
		r->moved = t->moved;
		r->true_total = t->true_total;
		r->clean_odds = t->clean_odds;
		r->json = render(&s->w, t);
		r->label = t->kind == WR_SIM_CLEAN ? NULL : label(s, t, i + 1, pos);
		n->planted[t->kind]++;
	}
	free(pos);
	free(hit);
	return n;
}

int wr_sim_run(const char *fixtures, const struct wr_sim_options *o,
               struct wr_night **out, struct wr_err *err)
{
	struct sim s;
	int rc;

	memset(&s, 0, sizeof s);
	*out = NULL;
	if (!(o->error_rate >= 0 && o->error_rate <= 1))
		return wr_errf(err, WR_EINVAL, "error rate %g is outside 0..1", o->error_rate);
	if ((rc = load_world(&s.w, fixtures, err)) == WR_OK) {
		/* Separate streams: the clean night does not move with the rate. */
		wr_rng_seed(&s.model, o->seed * 2 + 1);
		wr_rng_seed(&s.plant, o->seed * 2 + 2);
		draw_clean_night(&s, o->seed);
		plant_errors(&s, o->error_rate);
		measure_slips(&s, o->seed);
		*out = night_of(&s);
	}
	free(s.t);
	free(s.used);
	free(s.order);
	world_free(&s.w);
	return rc;
}

void wr_night_free(struct wr_night *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++) {
		free(n->rec[i].json);
		free(n->rec[i].label);
	}
	free(n->rec);
	free(n);
}

/* Written beside its name and renamed, so a failed run leaves no half file. */
static int write_lines(const struct wr_night *n, int labels, const char *path,
                       struct wr_err *err)
{
	size_t len = strlen(path) + 8;
	char *tmp = wr_xmalloc(len);
	FILE *f;
	int bad;

	snprintf(tmp, len, "%s.tmp", path);
	if (!(f = fopen(tmp, "wb"))) {
		free(tmp);
		return wr_errf(err, WR_EIO, "%s: cannot write", path);
	}
	for (size_t i = 0; i < n->n; i++) {
		const char *line = labels ? n->rec[i].label : n->rec[i].json;

		if (line)
			fprintf(f, "%s\n", line);
	}
	bad = ferror(f);
	bad |= fclose(f) != 0;
	if (bad || rename(tmp, path) != 0) {
		remove(tmp);
		free(tmp);
		return wr_errf(err, WR_EIO, "%s: write failed", path);
	}
	free(tmp);
	return WR_OK;
}

int wr_sim_write(const struct wr_night *n, const char *night_path,
                 const char *labels_path, struct wr_err *err)
{
	int rc = write_lines(n, 0, night_path, err);

	return rc == WR_OK ? write_lines(n, 1, labels_path, err) : rc;
}
