#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/alloc.h"
#include "warroom/feedpage.h"
#include "warroom/utf8.h"

/* The URL as curl writes it (scheme and host in lower case, dot segments
 * gone), with its scheme, or 0 when it is not one. */
static int canonical(CURLU *u, char *out, size_t n, char *scheme, size_t sn)
{
	char *abs = NULL, *sch = NULL, *user = NULL;
	int ok = curl_url_get(u, CURLUPART_URL, &abs, 0) == CURLUE_OK &&
	         curl_url_get(u, CURLUPART_SCHEME, &sch, 0) == CURLUE_OK &&
	         strlen(abs) < n && strlen(sch) < sn;

	if (ok) {
		snprintf(out, n, "%s", abs);
		snprintf(scheme, sn, "%s", sch);
	}
	/* A secret in a link would land in the cursor, every record's origin
	 * and the log. */
	if (ok && curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK)
		ok = 0;
	curl_free(abs);
	curl_free(sch);
	curl_free(user);
	return ok;
}

/* A page served over the web may only link on over the web (and never
 * from https down to http), and a local feed only to local pages: a host's
 * page must never make the puller read this machine's files. */
static int same_kind(const char *a, const char *b)
{
	if (!strcmp(a, "https"))
		return !strcmp(b, "https");
	if (!strcmp(a, "http"))
		return !strcmp(b, "http") || !strcmp(b, "https");
	return !strcmp(a, "file") && !strcmp(b, "file");
}

/* RFC 3986 resolution of link against the page's url; *why says what is
 * wrong when it fails. */
static int resolve(const char *url, const char *link, char *out, size_t n, const char **why)
{
	CURLU *u = curl_url();
	char self[2048], scheme[16], next_scheme[16];
	int ok = 0;

	*why = "is not a URL";
	if (u && curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
	    canonical(u, self, sizeof self, scheme, sizeof scheme) &&
	    curl_url_set(u, CURLUPART_URL, link, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK) {
		*why = "is not a URL without credentials";
		if (canonical(u, out, n, next_scheme, sizeof next_scheme)) {
			*why = !same_kind(scheme, next_scheme) ? "leaves the feed's kind of URL (http "
			                                          "to http(s), https to https, file "
			                                          "to file)"
			       : !strcmp(out, self) ? "names this page itself" : NULL;
			ok = !*why;
		}
	}
	curl_url_cleanup(u);
	return ok;
}

/* The message leads with the page, as every feed message does; the field
 * is kept apart for callers that want it. */
static int page_error(struct wr_err *err, const char *field)
{
	if (err)
		snprintf(err->field, sizeof err->field, "%s", field);
	return WR_EINVAL;
}

static int next_link(const char *url, json_t *next, struct wr_feed_page *p,
                     struct wr_err *err)
{
	char shown[160];
	const char *link, *why;

	p->next[0] = '\0';
	if (!next || json_is_null(next))
		return WR_OK;
	if (!json_is_string(next) || !*(link = json_string_value(next))) {
		wr_errf(err, WR_EINVAL, "%s: next: a URL or null expected", url);
		return page_error(err, "next");
	}
	/* A link that may hold a secret is not repeated in the message. */
	if (strchr(link, '@'))
		snprintf(shown, sizeof shown, "(a link with '@', not shown)");
	else
		wr_utf8_escape(shown, sizeof shown, link, strlen(link), WR_ESC_QUOTED);
	if (!resolve(url, link, p->next, sizeof p->next, &why)) {
		p->next[0] = '\0';
		wr_errf(err, WR_EINVAL, "%s: next: \"%s\" %s", url, shown, why);
		return page_error(err, "next");
	}
	return WR_OK;
}

int wr_feed_page_parse(const char *url, const char *body, size_t len,
                       struct wr_feed_page *p, struct wr_err *err)
{
	json_error_t je;
	int rc;

	memset(p, 0, sizeof *p);
	if (!len)
		return wr_errf(err, WR_EINVAL, "%s: not a feed page: empty", url);
	if (!(p->root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je)))
		return wr_errf(err, WR_EINVAL, "%s: not a feed page: line %d column %d: %s", url,
		               je.line, je.column, je.text);
	if (!json_is_object(p->root)) {
		rc = wr_errf(err, WR_EINVAL, "%s: not a feed page: a JSON object expected", url);
	} else if (!json_is_array(p->subs = json_object_get(p->root, "submissions"))) {
		wr_errf(err, WR_EINVAL, "%s: submissions: an array expected", url);
		rc = page_error(err, "submissions");
	} else {
		rc = next_link(url, json_object_get(p->root, "next"), p, err);
	}
	if (rc != WR_OK) {
		wr_feed_page_free(p);
		return rc;
	}
	p->n = json_array_size(p->subs);
	return WR_OK;
}

void wr_feed_page_free(struct wr_feed_page *p)
{
	json_decref(p->root);
	memset(p, 0, sizeof *p);
}

char *wr_feed_page_record(const struct wr_feed_page *p, size_t i, size_t *len)
{
	char *s = json_dumps(json_array_get(p->subs, i), JSON_COMPACT | JSON_ENCODE_ANY);

	/* Parsed JSON always encodes again; only memory can run out. */
	if (!s)
		wr_fatal("out of memory encoding a feed record");
	*len = strlen(s);
	return s;
}
