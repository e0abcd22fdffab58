#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/alloc.h"

#include "warroom/render.h"

void wr_county_parts_free(struct wr_county_parts *p)
{
	wr_buf_free(&p->json_county);
	wr_buf_free(&p->json_precincts);
	wr_buf_free(&p->csv_county);
	wr_buf_free(&p->csv_precincts);
	wr_buf_free(&p->cdf_units);
	wr_buf_free(&p->cdf_counts);
}

static int64_t sum(const struct wr_contest *c, const int64_t *votes)
{
	int64_t t = 0;

	for (size_t i = 0; i < c->ncand; i++)
		t += votes[i];
	return t;
}

/* {"id":..,"name":.. — the start of candidate i's object, "," before all
 * but the first. */
static void json_candidate(struct wr_buf *b, const struct wr_contest *c, size_t i)
{
	wr_buf_puts(b, i ? ",{\"id\":" : "{\"id\":");
	wr_buf_json_str(b, c->cand[i].id);
	wr_buf_puts(b, ",\"name\":");
	wr_buf_json_str(b, c->cand[i].name);
}

/* "total_votes":N,"candidates":[{id, name, votes, share}...] */
static void json_tally(struct wr_buf *b, const struct wr_contest *c, const int64_t *votes)
{
	int64_t total = sum(c, votes);

	wr_buf_puts(b, "\"total_votes\":");
	wr_buf_int(b, total);
	wr_buf_puts(b, ",\"candidates\":[");
	for (size_t i = 0; i < c->ncand; i++) {
		json_candidate(b, c, i);
		wr_buf_puts(b, ",\"votes\":");
		wr_buf_int(b, votes[i]);
		wr_buf_puts(b, ",\"share\":");
		wr_buf_share(b, votes[i], total);
		wr_buf_puts(b, "}");
	}
	wr_buf_puts(b, "]");
}

static void json_reporting(struct wr_buf *b, int64_t reporting, int64_t total)
{
	wr_buf_puts(b, "\"precincts_reporting\":");
	wr_buf_int(b, reporting);
	wr_buf_puts(b, ",\"precincts_total\":");
	wr_buf_int(b, total);
	wr_buf_puts(b, ",");
}

static void csv_votes(struct wr_buf *b, const struct wr_contest *c, const int64_t *votes)
{
	wr_buf_puts(b, ",");
	wr_buf_int(b, sum(c, votes));
	for (size_t i = 0; i < c->ncand; i++) {
		wr_buf_puts(b, ",");
		wr_buf_int(b, votes[i]);
	}
	wr_buf_puts(b, "\r\n");
}

static void render_precincts(const struct wr_contest *c, const struct wr_rcounty *county,
                             struct wr_county_parts *out)
{
	for (size_t i = 0; i < county->nprecincts; i++) {
		const struct wr_rprecinct *p = &county->precincts[i];
		struct wr_buf *j = &out->json_precincts, *v = &out->csv_precincts;

		wr_buf_puts(j, i ? ",{\"code\":" : "{\"code\":");
		wr_buf_json_str(j, p->code);
		wr_buf_puts(j, ",\"name\":");
		wr_buf_json_str(j, p->name);
		wr_buf_puts(j, ",\"county_fips\":");
		wr_buf_json_str(j, county->fips);
		wr_buf_puts(j, ",");
		json_reporting(j, p->reporting, 1);
		json_tally(j, c, p->votes);
		wr_buf_puts(j, "}");

		wr_buf_csv_str(v, p->code);
		wr_buf_puts(v, ",");
		wr_buf_csv_str(v, p->name);
		wr_buf_puts(v, ",");
		wr_buf_puts(v, county->fips);
		wr_buf_puts(v, ",");
		wr_buf_csv_str(v, county->name);
		wr_buf_puts(v, p->reporting ? ",1" : ",0");
		csv_votes(v, c, p->votes);

		out->reporting += p->reporting;
		for (size_t k = 0; k < c->ncand; k++)
			out->votes[k] += p->votes[k];
	}
	out->total = (int64_t)county->nprecincts;
}

static void render_county_rows(const struct wr_contest *c, const struct wr_rcounty *county,
                               struct wr_county_parts *out)
{
	struct wr_buf *j = &out->json_county, *v = &out->csv_county;

	wr_buf_puts(j, "{\"fips\":");
	wr_buf_json_str(j, county->fips);
	wr_buf_puts(j, ",\"name\":");
	wr_buf_json_str(j, county->name);
	wr_buf_puts(j, ",");
	json_reporting(j, out->reporting, out->total);
	json_tally(j, c, out->votes);
	wr_buf_puts(j, "}");

	wr_buf_printf(v, "%s,", county->fips);
	wr_buf_csv_str(v, county->name);
	wr_buf_printf(v, ",%lld,%lld", (long long)out->reporting, (long long)out->total);
	csv_votes(v, c, out->votes);
}

static void render_cdf_county(const struct wr_contest *c, const struct wr_rcounty *county,
                              struct wr_county_parts *out);

void wr_render_county(const struct wr_contest *c, const struct wr_rcounty *county,
                      struct wr_county_parts *out)
{
	memset(out, 0, sizeof *out);
	render_precincts(c, county, out);
	render_county_rows(c, county, out);
	render_cdf_county(c, county, out);
}

static void join(struct wr_buf *out, const struct wr_buf *part, int *first)
{
	if (!part->len)
		return;
	if (!*first)
		wr_buf_put(out, ",", 1);
	wr_buf_put(out, part->p, part->len);
	*first = 0;
}

static void statewide(const struct wr_contest *c, const struct wr_county_parts *parts,
                      size_t n, int64_t *reporting, int64_t *total, int64_t *votes)
{
	*reporting = *total = 0;
	memset(votes, 0, sizeof(int64_t) * WR_MAX_CANDIDATES);
	for (size_t i = 0; i < n; i++) {
		*reporting += parts[i].reporting;
		*total += parts[i].total;
		for (size_t k = 0; k < c->ncand; k++)
			votes[k] += parts[i].votes[k];
	}
}

void wr_render_results(const struct wr_contest *c, const struct wr_batch_info *bi,
                       const struct wr_county_parts *parts, size_t n, struct wr_buf *out)
{
	int64_t reporting, total, votes[WR_MAX_CANDIDATES];
	int first = 1;

	statewide(c, parts, n, &reporting, &total, votes);
	wr_buf_printf(out, "{\"batch\":%lld,\"last_updated\":", (long long)bi->batch);
	wr_buf_json_str(out, bi->generated);
	wr_buf_printf(out, ",\"test\":%s,\"complete\":%s,\"contest\":{\"id\":",
	              bi->test ? "true" : "false", reporting == total ? "true" : "false");
	wr_buf_json_str(out, c->id);
	wr_buf_puts(out, ",\"name\":");
	wr_buf_json_str(out, c->name);
	wr_buf_puts(out, ",\"state\":");
	wr_buf_json_str(out, c->state);
	wr_buf_puts(out, "},\"candidates\":[");
	for (size_t i = 0; i < c->ncand; i++) {
		json_candidate(out, c, i);
		wr_buf_puts(out, "}");
	}
	wr_buf_puts(out, "],\"statewide\":{");
	json_reporting(out, reporting, total);
	json_tally(out, c, votes);
	wr_buf_puts(out, "},\"counties\":[");
	for (size_t i = 0; i < n; i++)
		join(out, &parts[i].json_county, &first);
	wr_buf_puts(out, "],\"precincts\":[");
	first = 1;
	for (size_t i = 0; i < n; i++)
		join(out, &parts[i].json_precincts, &first);
	wr_buf_puts(out, "]}\n");
}

static void csv_header(const struct wr_contest *c, struct wr_buf *out, const char *lead)
{
	wr_buf_puts(out, lead);
	wr_buf_puts(out, ",total_votes");
	for (size_t i = 0; i < c->ncand; i++) {
		wr_buf_puts(out, ",");
		wr_buf_csv_str(out, c->cand[i].id);
	}
	wr_buf_puts(out, "\r\n");
}

void wr_render_counties_csv(const struct wr_contest *c, const struct wr_county_parts *parts,
                            size_t n, struct wr_buf *out)
{
	csv_header(c, out, "fips,county,precincts_reporting,precincts_total");
	for (size_t i = 0; i < n; i++)
		wr_buf_put(out, parts[i].csv_county.p, parts[i].csv_county.len);
}

void wr_render_precincts_csv(const struct wr_contest *c,
                             const struct wr_county_parts *parts, size_t n,
                             struct wr_buf *out)
{
	csv_header(c, out, "code,precinct,county_fips,county,reporting");
	for (size_t i = 0; i < n; i++)
		wr_buf_put(out, parts[i].csv_precincts.p, parts[i].csv_precincts.len);
}

/* NIST SP 1500-100 v2 identifiers: ids are only references inside one
 * report, so they are built from the codes the public already knows. */
static void cdf_text(struct wr_buf *b, const char *s)
{
	wr_buf_puts(b, "{\"@type\":\"ElectionResults.InternationalizedText\",\"Text\":"
	               "[{\"@type\":\"ElectionResults.LanguageString\",\"Content\":");
	wr_buf_json_str(b, s);
	wr_buf_puts(b, ",\"Language\":\"en\"}]}");
}

static void gpu_id(struct wr_buf *b, const char *kind, const char *code)
{
	char id[WR_ID_MAX + 16];

	snprintf(id, sizeof id, "gpu-%s-%s", kind, code);
	wr_buf_json_str(b, id);
}

static void cdf_count(struct wr_buf *b, int first, const char *kind, const char *code,
                      int64_t count)
{
	wr_buf_puts(b, first ? "{\"@type\":\"ElectionResults.VoteCounts\",\"GpUnitId\":"
	                     : ",{\"@type\":\"ElectionResults.VoteCounts\",\"GpUnitId\":");
	gpu_id(b, kind, code);
	wr_buf_puts(b, ",\"Type\":\"total\",\"Count\":");
	wr_buf_int(b, count);
	wr_buf_puts(b, "}");
}

static void cdf_unit_head(struct wr_buf *b, const char *type, const char *name,
                          int64_t reported, int64_t total)
{
	wr_buf_puts(b, ",\"Type\":\"");
	wr_buf_puts(b, type);
	wr_buf_puts(b, "\",\"Name\":");
	wr_buf_json_str(b, name);
	wr_buf_puts(b, ",\"SubUnitsReported\":");
	wr_buf_int(b, reported);
	wr_buf_puts(b, ",\"TotalSubUnits\":");
	wr_buf_int(b, total);
}

static void cdf_external(struct wr_buf *b, const char *type, const char *value)
{
	wr_buf_puts(b, ",\"ExternalIdentifier\":[{\"@type\":\"ElectionResults."
	               "ExternalIdentifier\",\"Type\":\"");
	wr_buf_puts(b, type);
	wr_buf_puts(b, "\",\"Value\":");
	wr_buf_json_str(b, value);
	wr_buf_puts(b, "}]}");
}

static void render_cdf_county(const struct wr_contest *c, const struct wr_rcounty *county,
                              struct wr_county_parts *out)
{
	struct wr_buf *u = &out->cdf_units, *v = &out->cdf_counts;

	wr_buf_puts(u, "{\"@type\":\"ElectionResults.ReportingUnit\",\"@id\":");
	gpu_id(u, "c", county->fips);
	cdf_unit_head(u, "county", county->name, out->reporting, out->total);
	wr_buf_puts(u, ",\"ComposingGpUnitIds\":[");
	for (size_t i = 0; i < county->nprecincts; i++) {
		if (i)
			wr_buf_puts(u, ",");
		gpu_id(u, "p", county->precincts[i].code);
	}
	wr_buf_puts(u, "]");
	cdf_external(u, "fips", county->fips);
	for (size_t i = 0; i < county->nprecincts; i++) {
		const struct wr_rprecinct *p = &county->precincts[i];

		wr_buf_puts(u, ",{\"@type\":\"ElectionResults.ReportingUnit\",\"@id\":");
		gpu_id(u, "p", p->code);
		cdf_unit_head(u, "precinct", p->name, p->reporting, 1);
		cdf_external(u, "local-level", p->code);
	}
	/* A precinct that has not reported has no count, rather than a zero a
	 * reader could take for a result. */
	for (size_t k = 0; k < c->ncand; k++) {
		if (k)
			wr_buf_puts(v, "\n");
		cdf_count(v, 1, "c", county->fips, out->votes[k]);
		for (size_t i = 0; i < county->nprecincts; i++)
			if (county->precincts[i].reporting)
				cdf_count(v, 0, "p", county->precincts[i].code,
				          county->precincts[i].votes[k]);
	}
}

/* The next candidate's run of a county's VoteCounts (they are kept one per
 * line, in ballot order). */
static void next_run(const char **cur, const char *end, const char **run, size_t *len)
{
	const char *nl = memchr(*cur, '\n', (size_t)(end - *cur));

	*run = *cur;
	*len = (size_t)((nl ? nl : end) - *cur);
	*cur = nl ? nl + 1 : end;
}

static void cdf_selections(const struct wr_contest *c, const char *state_id,
                           const struct wr_county_parts *parts, size_t n,
                           const int64_t *votes, struct wr_buf *out)
{
	const char **cur = wr_xcalloc(2 * (n ? n : 1), sizeof *cur), **end = cur + n;

	for (size_t i = 0; i < n; i++) {
		cur[i] = parts[i].cdf_counts.p ? parts[i].cdf_counts.p : "";
		end[i] = cur[i] + parts[i].cdf_counts.len;
	}
	for (size_t k = 0; k < c->ncand; k++) {
		wr_buf_puts(out, k ? ",{" : "{");
		wr_buf_printf(out, "\"@type\":\"ElectionResults.CandidateSelection\","
		                   "\"@id\":\"sel-%s\",\"SequenceOrder\":%zu,"
		                   "\"CandidateIds\":[\"cand-%s\"],\"VoteCounts\":[",
		              c->cand[k].id, k + 1, c->cand[k].id);
		cdf_count(out, 1, "s", state_id, votes[k]);
		for (size_t i = 0; i < n; i++) {
			const char *run;
			size_t len;

			next_run(&cur[i], end[i], &run, &len);
			if (len) {
				wr_buf_put(out, ",", 1);
				wr_buf_put(out, run, len);
			}
		}
		wr_buf_puts(out, "]}");
	}
	free((void *)cur);
}

static void cdf_candidates(const struct wr_contest *c, struct wr_buf *out)
{
	for (size_t k = 0; k < c->ncand; k++) {
		wr_buf_printf(out, "%s{\"@type\":\"ElectionResults.Candidate\",\"@id\":\"cand-%s\",",
		              k ? "," : "", c->cand[k].id);
		if (*c->party)
			wr_buf_puts(out, "\"PartyId\":\"party-1\",");
		wr_buf_puts(out, "\"BallotName\":");
		cdf_text(out, c->cand[k].name);
		wr_buf_puts(out, "}");
	}
}

static void cdf_header(const struct wr_contest *c, const struct wr_batch_info *bi,
                       int complete, struct wr_buf *out)
{
	wr_buf_puts(out, "{\"@type\":\"ElectionResults.ElectionReport\","
	                 "\"Format\":\"precinct-level\",\"GeneratedDate\":");
	wr_buf_json_str(out, bi->generated);
	wr_buf_puts(out, ",\"Issuer\":");
	wr_buf_json_str(out, bi->issuer && *bi->issuer ? bi->issuer : c->name);
	wr_buf_puts(out, ",\"IssuerAbbreviation\":");
	wr_buf_json_str(out, bi->issuer_abbrev && *bi->issuer_abbrev ? bi->issuer_abbrev
	                                                             : c->state);
	wr_buf_printf(out, ",\"IsTest\":%s,\"SequenceStart\":1,\"SequenceEnd\":1,"
	                   "\"Status\":\"%s\",\"VendorApplicationId\":",
	              bi->test ? "true" : "false",
	              complete ? "unofficial-complete" : "unofficial-partial");
	wr_buf_json_str(out, bi->vendor);
}

static void cdf_gpunits(const struct wr_contest *c, const struct wr_county_parts *parts,
                        const char (*fips)[8], size_t n, int64_t reporting,
                        int64_t total, struct wr_buf *out)
{
	int first = 0;

	wr_buf_puts(out, ",\"GpUnit\":[{\"@type\":\"ElectionResults.ReportingUnit\",\"@id\":");
	gpu_id(out, "s", c->state);
	cdf_unit_head(out, "state", c->state, reporting, total);
	wr_buf_puts(out, ",\"ComposingGpUnitIds\":[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			wr_buf_puts(out, ",");
		gpu_id(out, "c", fips[i]);
	}
	wr_buf_puts(out, "]}");
	for (size_t i = 0; i < n; i++)
		join(out, &parts[i].cdf_units, &first);
	wr_buf_puts(out, "]");
	if (*c->party) {
		wr_buf_puts(out, ",\"Party\":[{\"@type\":\"ElectionResults.Party\","
		                 "\"@id\":\"party-1\",\"Name\":");
		cdf_text(out, c->party);
		wr_buf_puts(out, "}]");
	}
}

void wr_render_cdf(const struct wr_contest *c, const struct wr_batch_info *bi,
                   const struct wr_county_parts *parts, const char (*fips)[8],
                   size_t n, struct wr_buf *out)
{
	int64_t reporting, total, votes[WR_MAX_CANDIDATES];

	statewide(c, parts, n, &reporting, &total, votes);
	cdf_header(c, bi, reporting == total, out);
	cdf_gpunits(c, parts, fips, n, reporting, total, out);
	wr_buf_puts(out, ",\"Election\":[{\"@type\":\"ElectionResults.Election\","
	                 "\"ElectionScopeId\":");
	gpu_id(out, "s", c->state);
	wr_buf_puts(out, ",\"Name\":");
	cdf_text(out, c->name);
	wr_buf_printf(out, ",\"StartDate\":\"%.10s\",\"EndDate\":\"%.10s\","
	                   "\"Type\":\"other\",\"OtherType\":\"caucus\",\"Candidate\":[",
	              *c->date ? c->date : bi->generated, *c->date ? c->date : bi->generated);
	cdf_candidates(c, out);
	wr_buf_puts(out, "],\"Contest\":[{\"@type\":\"ElectionResults.CandidateContest\","
	                 "\"@id\":");
	{
		char id[WR_ID_MAX + 16];

		snprintf(id, sizeof id, "contest-%s", c->id);
		wr_buf_json_str(out, id);
	}
	wr_buf_puts(out, ",\"Name\":");
	wr_buf_json_str(out, c->name);
	wr_buf_puts(out, ",\"ElectoralDistrictId\":");
	gpu_id(out, "s", c->state);
	wr_buf_printf(out, ",\"VotesAllowed\":1,\"SubUnitsReported\":%lld,"
	                   "\"TotalSubUnits\":%lld,",
	              (long long)reporting, (long long)total);
	if (*c->party)
		wr_buf_puts(out, "\"PrimaryPartyIds\":[\"party-1\"],");
	wr_buf_puts(out, "\"BallotSelection\":[");
	cdf_selections(c, c->state, parts, n, votes, out);
	wr_buf_puts(out, "]}]}]}\n");
}
