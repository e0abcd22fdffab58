#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "warroom/rules.h"
#include "warroom/utf8.h"

/* --- helpers the rules share ------------------------------------------ */

static int64_t sum(const int64_t *v, size_t n)
{
	int64_t s = 0;

	for (size_t i = 0; i < n; i++)
		s += v[i];
	return s;
}

static size_t leader(const int64_t *v, size_t n)
{
	size_t best = 0;

	for (size_t i = 1; i < n; i++)
		if (v[i] > v[best])
			best = i;
	return best;
}

static int fire(struct wr_flag *f, double value, double threshold, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fire(struct wr_flag *f, double value, double threshold, const char *fmt, ...)
{
	va_list ap;

	f->value = value;
	f->threshold = threshold;
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof f->message, fmt, ap);
	va_end(ap);
	return 1;
}

/* --- integrity ---------------------------------------------------------- */

static int r_sum(const struct wr_rule_ctx *c, const double *p, struct wr_flag *f)
{
	int64_t s = sum(c->votes, c->ncand);

	(void)p;
	if (s == c->total)
		return 0;
	return fire(f, (double)s, (double)c->total, "candidate votes add up to %lld but "
	            "the total says %lld (off by %+lld)", (long long)s, (long long)c->total,
	            (long long)(s - c->total));
}

static int r_absurd(const struct wr_rule_ctx *c, const double *p, struct wr_flag *f)
{
	int64_t big = c->total > sum(c->votes, c->ncand) ? c->total : sum(c->votes, c->ncand);

	if (big <= p[0])
		return 0;
	return fire(f, (double)big, p[0], "%lld votes in one precinct is beyond any "
	            "caucus room (limit %.0f)", (long long)big, p[0]);
}

static int r_over_registered(const struct wr_rule_ctx *c, const double *p,
                             struct wr_flag *f)
{
	(void)p;
	if (c->registered <= 0 || c->total <= c->registered)
		return 0;
	return fire(f, (double)c->total, (double)c->registered, "turnout %lld is more than "
	            "the %lld Republicans registered in the precinct (%.0f%%)",
	            (long long)c->total, (long long)c->registered,
	            100.0 * (double)c->total / (double)c->registered);
}

static int r_registered_share(const struct wr_rule_ctx *c, const double *p,
                              struct wr_flag *f)
{
	double share;

	if (c->registered <= 0 || c->total > c->registered)
		return 0;  /* over 100% is over_registered's */
	share = (double)c->total / (double)c->registered;
	if (share <= p[0])
		return 0;
	return fire(f, share, p[0], "turnout %lld is %.0f%% of the %lld registered "
	            "Republicans; above %.0f%% is implausible for a caucus",
	            (long long)c->total, 100 * share, (long long)c->registered, 100 * p[0]);
}

static int same_tally(const int64_t *a, int64_t at, const int64_t *b, int64_t bt, size_t n)
{
	return at == bt && memcmp(a, b, n * sizeof *a) == 0;
}

static int r_revision(const struct wr_rule_ctx *c, const double *p, struct wr_flag *f)
{
	(void)p;
	if (!c->has_prev || same_tally(c->votes, c->total, c->prev_votes, c->prev_total,
	                               c->ncand))
		return 0;
	return fire(f, (double)c->total, (double)c->prev_total, "a revision changes the "
	            "precinct's tally: total %lld, before %lld", (long long)c->total,
	            (long long)c->prev_total);
}

static int r_sources(const struct wr_rule_ctx *c, const double *p, struct wr_flag *f)
{
	size_t i = 0;

	(void)p;
	if (!c->has_other || same_tally(c->votes, c->total, c->other_votes, c->other_total,
	                                c->ncand))
		return 0;
	while (i < c->ncand && c->votes[i] == c->other_votes[i])
		i++;
	if (i == c->ncand)
		return fire(f, (double)c->total, (double)c->other_total, "the %s tally gives "
		            "total %lld, this one %lld", c->other_source,
		            (long long)c->other_total, (long long)c->total);
	return fire(f, (double)c->votes[i], (double)c->other_votes[i], "the %s tally gives "
	            "%s %lld, this one %lld", c->other_source, c->cand[i],
	            (long long)c->other_votes[i], (long long)c->votes[i]);
}

static int r_outside_site(const struct wr_rule_ctx *c, const double *p, struct wr_flag *f)
{
	int n = c->reporter_sites > c->device_sites ? c->reporter_sites : c->device_sites;

	if (n <= p[0])
		return 0;
	return fire(f, n, p[0], "the %s has tallied for precincts in %d caucus sites; a "
	            "reporter works in one room", c->device_sites >= c->reporter_sites
	            ? "device" : "reporter", n);
}

/* The roster names the caller, so a real room's tally keyed under another
 * precinct shows here although its numbers look like any honest room's.
 * A reporter the roster leaves out entirely is unlisted_reporter's (a
 * chair replaced on the night is flagged there until the roster is
 * reloaded with her). */
static int r_roster(const struct wr_rule_ctx *c, const double *p, struct wr_flag *f)
{
	const char *who = c->reporter ? c->reporter : "";
	int n = wr_utf8_prefix(who, 60);

	(void)p;
	if (c->roster_listed <= 0 || c->roster_here)
		return 0;
	if (c->roster_listed == 1)
		return fire(f, 0, 1, "reporter %.*s%s is on the roster for precinct %s, not this "
		            "one", n, who, who[n] ? "..." : "", c->roster_first);
	return fire(f, 0, 1, "reporter %.*s%s is on the roster for %d precincts from %s on, "
	            "not this one", n, who, who[n] ? "..." : "", c->roster_listed,
	            c->roster_first);
}

/* With a roster loaded, a reporter it does not list is no one the party
 * authorised: a stand-in, a misheard id, or someone else entirely. */
static int r_unlisted(const struct wr_rule_ctx *c, const double *p, struct wr_flag *f)
{
	const char *who = c->reporter ? c->reporter : "";
	int n = wr_utf8_prefix(who, 60);

	(void)p;
	if (!c->roster_loaded || c->roster_listed > 0)
		return 0;
	return fire(f, 0, 1, "reporter %.*s%s is not on the roster: confirm who reported this "
	            "tally", n, who, who[n] ? "..." : "");
}

static int r_super_site(const struct wr_rule_ctx *c, const double *p, struct wr_flag *f)
{
	double ratio;

	if (c->site_precincts < 4 || c->site_registered <= 0)
		return 0;
	if (c->site_votes > c->site_registered)
		return fire(f, (double)c->site_votes, (double)c->site_registered,
		            "the %d precincts of this room report %lld votes, more than their "
		            "%lld registered Republicans", c->site_precincts,
		            (long long)c->site_votes, (long long)c->site_registered);
	if (c->site_base2016 <= 0)
		return 0;
	ratio = (double)c->site_votes_based / (double)c->site_base2016;
	if (ratio <= p[0] || c->site_votes_based - c->site_base2016 < p[1])
		return 0;
	return fire(f, ratio, p[0], "the %d precincts of this room report %lld votes, "
	            "%.1fx their 2016 caucus (%lld)", c->site_precincts,
	            (long long)c->site_votes_based, ratio, (long long)c->site_base2016);
}

static int r_pre_opening(const struct wr_rule_ctx *c, const double *p, struct wr_flag *f)
{
	(void)p;
	if (c->opens_at == 0 || c->reported_at >= c->opens_at)
		return 0;
	return fire(f, (double)(c->opens_at - c->reported_at), 0, "reported %lld minutes "
	            "before the caucus opened: test data, not a result",
	            (long long)((c->opens_at - c->reported_at + 59) / 60));
}

/* --- against the baselines --------------------------------------------- */

/* Both the ratio and the raw change must pass: 8 -> 16 is +100% but only
 * +8 votes, which is noise in a small precinct. */
static int turnout_vs(const struct wr_rule_ctx *c, int64_t base, int year,
                      const double *p, struct wr_flag *f)
{
	double ratio;
	int64_t diff = c->total - base;

	if (base <= 0)
		return 0;
	ratio = (double)c->total / (double)base;
	if (ratio >= p[0] && diff >= p[2])
		return fire(f, ratio, p[0], "turnout %lld is %.1fx the %d caucus (%lld) and "
		            "%+lld votes", (long long)c->total, ratio, year, (long long)base,
		            (long long)diff);
	if (ratio <= p[1] && -diff >= p[2])
		return fire(f, ratio, p[1], "turnout %lld is %.0f%% of the %d caucus (%lld), "
		            "%+lld votes", (long long)c->total, 100 * ratio, year,
		            (long long)base, (long long)diff);
	return 0;
}

static int r_turnout16(const struct wr_rule_ctx *c, const double *p, struct wr_flag *f)
{
	return turnout_vs(c, c->base2016, 2016, p, f);
}

static int r_turnout20(const struct wr_rule_ctx *c, const double *p, struct wr_flag *f)
{
	return turnout_vs(c, c->base2020, 2020, p, f);
}

/* Turnout against what the approved precincts show tonight, relative to
 * 2016: a year running at 0.6x of 2016 makes a precinct at 1.5x stand out,
 * where fixed bounds on the 2016 ratio would not. The county's own ratio
 * once it has enough approved, the state's before: the first tallies of a
 * county are the ones with nothing else to be judged against. */
static int r_turnout_county(const struct wr_rule_ctx *c, const double *p,
                            struct wr_flag *f)
{
	double night, expected, rel, high, low;

	if (c->base2016 <= 0 || c->turnout_base < p[3] || c->turnout_votes <= 0)
		return 0;
	night = (double)c->turnout_votes / (double)c->turnout_base;
	expected = night * (double)c->base2016;
	rel = (double)c->total / expected;
	/* Counties differ: the state's ratio predicts a county's room less well. */
	high = c->turnout_statewide ? p[4] : p[0];
	low = c->turnout_statewide ? p[5] : p[1];
	if (fabs((double)c->total - expected) < p[2] || (rel < high && rel > low))
		return 0;
	return fire(f, rel, rel >= high ? high : low, "turnout %lld is %.2fx what the "
	            "%s approved precincts predict (%.0f: %.2fx its 2016 caucus of "
	            "%lld)", (long long)c->total, rel, c->turnout_statewide ? "state's" :
	            "county's", expected, night, (long long)c->base2016);
}

static int r_leader(const struct wr_rule_ctx *c, const double *p, struct wr_flag *f)
{
	size_t i = leader(c->votes, c->ncand);
	double share, diff;

	if (c->leader2016_share < 0 || c->total < p[1] || c->total <= 0)
		return 0;
	share = (double)c->votes[i] / (double)c->total;
	diff = 100 * (share - c->leader2016_share);
	if (fabs(diff) < p[0])
		return 0;
	return fire(f, diff, p[0], "the leader, %s, has %.0f%% here; the 2016 leader had "
	            "%.0f%% (%+.0f points)", c->cand[i], 100 * share,
	            100 * c->leader2016_share, diff);
}

/* Robust z-score of each candidate's share against the county's approved
 * precincts (median and MAD, so one bad precinct does not move the bar). */
static int r_county_outlier(const struct wr_rule_ctx *c, const double *p, struct wr_flag *f)
{
	size_t worst = 0;
	double worst_z = 0;

	if (c->county_approved < p[1] || c->total < p[3] || c->total <= 0)
		return 0;
	for (size_t i = 0; i < c->ncand; i++) {
		double share = (double)c->votes[i] / (double)c->total;
		double mad = c->county_mad[i] > p[2] ? c->county_mad[i] : p[2];
		double z = (share - c->county_median[i]) / (1.4826 * mad);

		if (fabs(z) > fabs(worst_z)) {
			worst_z = z;
			worst = i;
		}
	}
	if (fabs(worst_z) < p[0])
		return 0;
	return fire(f, worst_z, p[0], "%s has %.0f%% here against a median of %.0f%% in "
	            "the county's %d approved precincts (z %+.1f)", c->cand[worst],
	            100.0 * (double)c->votes[worst] / (double)c->total,
	            100 * c->county_median[worst], c->county_approved, worst_z);
}

/* log P(k of n) for a beta-binomial with parameters al, be. */
static double betabin_log(double k, double n, double al, double be)
{
	return lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1) + lgamma(k + al) +
	       lgamma(n - k + be) - lgamma(n + al + be) + lgamma(al + be) - lgamma(al) -
	       lgamma(be);
}

/* Two-sided tail: twice the chance of k or further out on k's side. Walks
 * outward from k by the ratio of neighbouring terms, which only shrink
 * there, so nothing overflows and it stops once the rest cannot count. */
static double betabin_tail(int64_t k, int64_t n, double q, double conc)
{
	double al = conc * q, be = conc * (1 - q);
	double term = exp(betabin_log((double)k, (double)n, al, be)), sum = 0;

	if ((double)k >= (double)n * q) {
		for (int64_t j = k; j <= n && term > sum * 1e-12; j++) {
			sum += term;
			term *= (double)(n - j) / (double)(j + 1) * (j + al) / (n - j - 1 + be);
		}
	} else {
		for (int64_t j = k; j >= 0 && term > sum * 1e-12; j--) {
			sum += term;
			term *= (double)j / (double)(n - j + 1) * (n - j + be) / (j - 1 + al);
		}
	}
	return fmin(1, fmax(2 * sum, 1e-12));
}

/* What the approved votes predict for a room: a share to expect and how
 * alike rooms are around it (a beta concentration). A county's shares are
 * drawn around the state's and a room's around its county's, so against
 * the state alone rooms spread by both (state_concentration), and each
 * vote the county has approved pulls the expectation toward the county's
 * own share and narrows the spread toward a room's alone (concentration).
 * That is a Beta prior around the state's share, of weight county_w,
 * updated by the county's rooms, each worth fewer than its votes because
 * rooms of one county differ too. So a county's first approved room moves
 * the expectation well toward its own shares (a 100-vote room by about 40%
 * with the defaults), and no room is judged against a county's share it
 * only just started showing. county_weight is 0 when the county's votes
 * did not count (none approved, or state_concentration at or above
 * concentration: counties then differ by nothing rooms do not). */
struct expect {
	double share[WR_MAX_CANDIDATES];
	double conc, county_weight;
};

static void pooled_expect(const struct wr_rule_ctx *c, double room_c, double state_c,
                          struct expect *e)
{
	/* The county spread that, with the rooms', gives state_c in all. */
	double county_w = state_c < room_c ? state_c * (room_c + 1) / (room_c - state_c) : 0;
	double room = c->county_rooms > 0 ? (double)c->county_votes / c->county_rooms : 0;
	double w = county_w > 0 && room > 0 ? (double)c->county_votes * (room_c + 1) /
	                                      (room + room_c) : 0;
	double post = county_w + w;

	for (size_t i = 0; i < c->ncand; i++)
		e->share[i] = w > 0 ? (county_w * c->state_share[i] + w * c->county_share[i]) / post
		                    : c->state_share[i];
	/* A room's share varies by the county's remaining uncertainty and by
	 * rooms around the county: 1/(conc+1) adds up as a variance does. */
	e->conc = county_w > 0 ? (post + 1) * (room_c + 1) / (post + room_c + 1) - 1 : state_c;
	e->county_weight = w;
}

/* Each candidate's count against what the approved votes around it predict
 * for a room of this size. Rooms vote alike but not the same, so the count
 * is beta-binomial, not binomial. Asks how often a clean room this size
 * would show the count or further out, so a 12-voter room with 8 for a 1%
 * candidate is caught and a 12-voter room's ordinary noise is not. The
 * state's share is the other counties' approved votes (the county's own
 * would count twice), or in the night's first minutes, while they are too
 * few, every tally sent so far, so the first rooms are not judged against
 * nothing. */
static void pooled_source(const struct wr_rule_ctx *c, const struct expect *e, char *buf,
                          size_t n)
{
	const char *state = c->state_sent ? "every tally sent so far (too few approved yet)"
	                                  : "the other counties' approved votes";

	if (e->county_weight > 0)
		snprintf(buf, n, "%s and the county's %lld in %d approved precinct%s", state,
		         (long long)c->county_votes, c->county_rooms,
		         c->county_rooms == 1 ? "" : "s");
	else
		snprintf(buf, n, "%s", state);
}

static int r_pooled(const struct wr_rule_ctx *c, const double *p, struct wr_flag *f)
{
	struct expect e;
	double worst_p = 1;
	/* Out of what was counted: a total below the votes' sum is sum_mismatch's. */
	int64_t n = sum(c->votes, c->ncand) > c->total ? sum(c->votes, c->ncand) : c->total;
	size_t worst = 0;
	int name;
	char source[128];

	if (c->state_votes < p[3] || c->state_votes <= 0 || c->total <= 0)
		return 0;
	pooled_expect(c, p[1], p[2], &e);
	for (size_t i = 0; i < c->ncand; i++) {
		/* A share nobody has shown yet is unlikely, not impossible. */
		double q = fmin(fmax(e.share[i], 0.002), 0.998);
		double tail = betabin_tail(c->votes[i], n, q, e.conc);

		if (tail < worst_p) {
			worst_p = tail;
			worst = i;
		}
	}
	if (worst_p * p[0] > 1)
		return 0;
	pooled_source(c, &e, source, sizeof source);
	name = wr_utf8_prefix(c->cand[worst], 32);
	return fire(f, 1 / worst_p, p[0], "%.*s%s has %lld of %lld here (%.0f%%); %s give "
	            "%.0f%%, about %.0f; a room this size shows that about 1 time in %.0f",
	            name, c->cand[worst], c->cand[worst][name] ? "..." : "",
	            (long long)c->votes[worst], (long long)n,
	            100.0 * (double)c->votes[worst] / (double)n, source,
	            100 * e.share[worst], (double)n * e.share[worst], 1 / worst_p);
}

/* --- rates --------------------------------------------------------------- */

static int r_burst(const struct wr_rule_ctx *c, const double *p, struct wr_flag *f)
{
	int64_t n = c->window_device > c->window_reporter ? c->window_device
	                                                   : c->window_reporter;
	double limit = p[0] > c->site_precincts ? p[0] : c->site_precincts;

	if (n <= limit)
		return 0;
	return fire(f, (double)n, limit, "%lld tallies in 15 minutes from one %s, more "
	            "than its room holds precincts", (long long)n,
	            c->window_device >= c->window_reporter ? "device" : "reporter");
}

static int r_county_rate(const struct wr_rule_ctx *c, const double *p, struct wr_flag *f)
{
	if (c->window_county <= p[0])
		return 0;
	return fire(f, (double)c->window_county, p[0], "%lld tallies from this county in "
	            "15 minutes", (long long)c->window_county);
}

static int r_state_rate(const struct wr_rule_ctx *c, const double *p, struct wr_flag *f)
{
	if (c->window_state <= p[0])
		return 0;
	return fire(f, (double)c->window_state, p[0], "%lld tallies statewide in 15 "
	            "minutes", (long long)c->window_state);
}

/* --- the table ----------------------------------------------------------- */

static const struct wr_rule table[] = {
	{ "sum_mismatch", WR_SEV_HARD, "candidate votes do not add up to the total",
	  { { 0 } }, r_sum, WR_SEV_HARD, WR_REJUDGE_NEVER },
	{ "absurd_count", WR_SEV_HARD, "more votes than any caucus room holds",
	  { { "max_votes", 3000, 100, 100000, "votes in one precinct" } }, r_absurd,
	  WR_SEV_HARD, WR_REJUDGE_NEVER },
	{ "over_registered", WR_SEV_HARD, "turnout above the precinct's registered "
	  "Republicans", { { 0 } }, r_over_registered, WR_SEV_HARD, WR_REJUDGE_NEVER },
	{ "registered_share", WR_SEV_WARN, "turnout an implausible share of registered "
	  "Republicans", { { "share", 0.7, 0.05, 1.0, "share of registered" } },
	  r_registered_share, WR_SEV_NONE, WR_REJUDGE_NEVER },
	{ "turnout_2016", WR_SEV_WARN, "turnout far from the 2016 caucus",
	  { { "ratio", 2.5, 1.1, 50, "times 2016, and above" },
	    { "low", 0.25, 0.01, 0.95, "times 2016, and below" },
	    { "change", 40, 0, 100000, "votes of change at least" } },
	  r_turnout16, WR_SEV_NONE, WR_REJUDGE_NEVER },
	{ "turnout_2020", WR_SEV_WARN, "turnout far from the 2020 caucus",
	  { { "ratio", 12, 1.1, 100, "times 2020, and above" },
	    { "low", 0.6, 0.01, 0.99, "times 2020, and below" },
	    { "change", 60, 0, 100000, "votes of change at least" } },
	  r_turnout20, WR_SEV_NONE, WR_REJUDGE_NEVER },
	{ "turnout_county", WR_SEV_WARN, "turnout far from what the county's approved "
	  "precincts show tonight", { { "high", 1.35, 1.05, 20, "times the prediction, and above" },
	                              { "low", 0.7, 0.01, 0.95, "times it, and below" },
	                              { "change", 8, 0, 100000, "votes from it at least" },
	                              { "min_base", 300, 0, 1e9,
	                                "2016 votes of approved precincts needed" },
	                              { "state_high", 1.6, 1.05, 20,
	                                "the same against the state's, above" },
	                              { "state_low", 0.6, 0.01, 0.95,
	                                "the same against the state's, below" } },
	  /* No second look: the first rooms are judged against the state's
	   * ratio with wider bounds; judged again against the county's narrower
	   * ones, an honest room of a county that turns out unlike the state
	   * fails them (all 104 second looks on a bulk-approved sample night
	   * were turnout's). */
	  r_turnout_county, WR_SEV_NONE, WR_REJUDGE_PENDING },
	{ "leader_share", WR_SEV_WARN, "leading candidate's share far from the 2016 "
	  "leader's", { { "points", 50, 5, 100, "percentage points" },
	                { "min_votes", 20, 0, 10000, "only precincts this big" } },
	  r_leader, WR_SEV_NONE, WR_REJUDGE_NEVER },
	{ "county_outlier", WR_SEV_WARN, "a candidate's share far from the county's "
	  "approved precincts", { { "z", 5.0, 1.5, 50, "robust z-score" },
	                          { "min_precincts", 5, 2, 10000, "approved in the county" },
	                          { "mad_floor", 0.03, 0.001, 0.5, "smallest MAD used" },
	                          { "min_votes", 20, 0, 10000, "only precincts this big" } },
	  r_county_outlier, WR_SEV_NONE, WR_REJUDGE_APPROVED },
	{ "pooled_share", WR_SEV_WARN, "a candidate's count far from what the approved "
	  "votes predict for a room this size",
	  { { "odds", 40, 10, 1e9, "flag what a clean room shows 1 time in this many" },
	    { "concentration", 100, 1, 100000, "how alike a county's rooms vote" },
	    { "state_concentration", 40, 1, 100000, "the same around the state's votes, "
	      "as counties differ too (at or above concentration: a county's votes "
	      "never move what is expected)" },
	    { "min_pooled", 300, 0, 1e9, "the other counties' approved votes needed "
	      "(fewer: every tally sent so far)" } },
	  r_pooled, WR_SEV_NONE, WR_REJUDGE_APPROVED },
	{ "conflicting_revision", WR_SEV_WARN, "a revision with other numbers",
	  { { 0 } }, r_revision, WR_SEV_NONE, WR_REJUDGE_NEVER },
	{ "source_disagreement", WR_SEV_HARD, "app and hotline tallies disagree",
	  { { 0 } }, r_sources, WR_SEV_NONE, WR_REJUDGE_NEVER },
	{ "outside_site", WR_SEV_WARN, "a reporter or device tallying in several rooms",
	  { { "sites", 1, 1, 100, "caucus sites allowed" } },
	  r_outside_site, WR_SEV_NONE, WR_REJUDGE_NEVER },
	{ "roster", WR_SEV_WARN, "a reporter tallying a precinct the roster gives to others",
	  { { 0 } }, r_roster, WR_SEV_NONE, WR_REJUDGE_NEVER },
	{ "unlisted_reporter", WR_SEV_WARN, "a reporter the roster does not list, once a "
	  "roster is loaded", { { 0 } }, r_unlisted, WR_SEV_NONE, WR_REJUDGE_NEVER },
	{ "super_site", WR_SEV_WARN, "a room of four or more precincts out of line as a "
	  "whole", { { "ratio", 2.5, 1.1, 50, "times the room's 2016 caucus" },
	             { "change", 100, 0, 100000, "votes of change at least" } },
	  r_super_site, WR_SEV_NONE, WR_REJUDGE_NEVER },
	{ "pre_opening", WR_SEV_HARD, "reported before the caucus opened (test data)",
	  { { 0 } }, r_pre_opening, WR_SEV_HARD, WR_REJUDGE_NEVER },
	{ "burst", WR_SEV_WARN, "many tallies from one reporter or device in 15 minutes",
	  { { "per_window", 4, 1, 1000, "tallies in 15 minutes" } },
	  r_burst, WR_SEV_NONE, WR_REJUDGE_NEVER },
	{ "county_rate", WR_SEV_INFO, "many tallies from one county in 15 minutes",
	  { { "per_window", 60, 1, 100000, "tallies in 15 minutes" } },
	  r_county_rate, WR_SEV_NONE, WR_REJUDGE_NEVER },
	{ "state_rate", WR_SEV_INFO, "many tallies statewide in 15 minutes",
	  { { "per_window", 700, 1, 1000000, "tallies in 15 minutes" } },
	  r_state_rate, WR_SEV_NONE, WR_REJUDGE_NEVER },
	/* Not a check on one tally: the gate holds a county from publishing. */
	{ "county_gate", WR_SEV_INFO, "hold a county until enough of it is in and its "
	  "volume is in line with its baseline",
	  { { "min_share", 0.10, 0.0, 1.0, "share of the county's precincts in" },
	    { "low", 0.3, 0.0, 1.0, "times its 2016 caucus, and below" },
	    { "high", 3.0, 1.0, 100, "times its 2016 caucus, and above" } },
	  NULL, WR_SEV_NONE, WR_REJUDGE_NEVER },
};
#define NRULES (sizeof table / sizeof table[0])

const struct wr_rule *wr_rules_table(size_t *n)
{
	*n = NRULES;
	return table;
}

const struct wr_rule *wr_rule_find(const char *id)
{
	for (size_t i = 0; i < NRULES; i++)
		if (strcmp(table[i].id, id) == 0)
			return &table[i];
	return NULL;
}

int wr_rule_param(const struct wr_rule *r, const char *name)
{
	for (int i = 0; i < WR_RULE_PARAMS && r->params[i].name; i++)
		if (strcmp(r->params[i].name, name) == 0)
			return i;
	return -1;
}

void wr_thresholds_default(struct wr_thresholds *t)
{
	for (size_t i = 0; i < NRULES; i++) {
		t->severity[i] = table[i].severity;
		for (int k = 0; k < WR_RULE_PARAMS; k++)
			t->value[i][k] = table[i].params[k].def;
	}
}

size_t wr_rules_run(const struct wr_thresholds *t, const struct wr_rule_ctx *c,
                    struct wr_flag *flags, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < NRULES && n < max; i++) {
		if (t->severity[i] == WR_SEV_OFF || !table[i].check)
			continue;
		memset(&flags[n], 0, sizeof flags[n]);
		if (table[i].check(c, t->value[i], &flags[n])) {
			flags[n].rule = table[i].id;
			flags[n].severity = t->severity[i];
			n++;
		}
	}
	return n;
}
