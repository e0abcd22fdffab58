#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "warroom/fetch.h"

/* "scheme://host:port" of url into out, "" when it has none. */
static void origin_of(const char *url, char *out, size_t n)
{
	CURLU *u = curl_url();
	char *sch = NULL, *host = NULL, *port = NULL;

	out[0] = '\0';
	if (u && curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &sch, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
		snprintf(out, n, "%s://%s:%s", sch, host, port);
	curl_free(sch);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
}

int wr_fetch_open(struct wr_fetch *f, const char *home, struct wr_err *err)
{
	const char *token = getenv("WARROOM_FEED_TOKEN");

	memset(f, 0, sizeof *f);
	origin_of(home, f->origin, sizeof f->origin);
	f->connect_timeout_ms = 10000;
	f->timeout_ms = 60000;
	f->max_bytes = WR_FETCH_MAX;
	if (token && *token) {
		if (strlen(token) > 1000 || strpbrk(token, "\r\n"))
			return wr_errf(err, WR_EINVAL, "$WARROOM_FEED_TOKEN: at most 1000 "
			               "bytes on one line expected");
		snprintf(f->auth, sizeof f->auth, "Authorization: Bearer %s", token);
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (!(f->curl = curl_easy_init()))
		return wr_errf(err, WR_EIO, "libcurl could not start");
	return WR_OK;
}

void wr_fetch_close(struct wr_fetch *f)
{
	if (f->curl)
		curl_easy_cleanup(f->curl);
	f->curl = NULL;
	sodium_memzero(f->auth, sizeof f->auth);
}

struct reply {
	struct wr_fetch *f;
	struct wr_buf *body;
	char *etag;
	size_t etag_n;
	int too_big;
};

static size_t keep_body(char *p, size_t size, size_t n, void *arg)
{
	struct reply *r = arg;

	if (r->body->len + n > r->f->max_bytes) {
		r->too_big = 1;
		return 0;
	}
	wr_buf_put(r->body, p, n);
	(void)size;
	return n;
}

/* Keeps the ETag of the final reply: after a redirect, an earlier
 * response's headers came first. */
static size_t keep_header(char *p, size_t size, size_t n, void *arg)
{
	struct reply *r = arg;
	size_t len = n, v = 5;

	(void)size;
	if (len >= 5 && !strncmp(p, "HTTP/", 5))
		r->etag[0] = '\0';
	if (len < 5 || strncasecmp(p, "etag:", 5) != 0)
		return n;
	while (v < len && (p[v] == ' ' || p[v] == '\t'))
		v++;
	while (len > v && (p[len - 1] == '\r' || p[len - 1] == '\n' || p[len - 1] == ' '))
		len--;
	if (len - v < r->etag_n)
		snprintf(r->etag, r->etag_n, "%.*s", (int)(len - v), p + v);
	return n;
}

static int progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	const struct wr_fetch *f = arg;

	(void)dt, (void)dn, (void)ut, (void)un;
	return f->stop && *f->stop;
}

static struct curl_slist *headers(const struct wr_fetch *f, const char *url,
                                  const char *etag)
{
	struct curl_slist *h = NULL;
	char line[600];

	origin_of(url, line, sizeof line);
	if (*f->auth && *f->origin && !strcmp(line, f->origin))
		h = curl_slist_append(h, f->auth);
	if (etag && *etag && strlen(etag) < 500 && !strpbrk(etag, "\r\n")) {
		snprintf(line, sizeof line, "If-None-Match: %s", etag);
		h = curl_slist_append(h, line);
	}
	return h;
}

static void setup(struct wr_fetch *f, const char *url, struct reply *r,
                  struct curl_slist *h)
{
	CURL *c = f->curl;

	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	/* A feed on the web never reads this machine's files, whatever a
	 * page links to; a local feed (file://) reads only files. */
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR,
	                 strncasecmp(url, "file:", 5) ? "http,https" : "file");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	/* Static hosts often compress JSON; let curl ask for and undo it. */
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, keep_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, f);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, f->connect_timeout_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, f->timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
}

static enum wr_got classify(long status, const char *url, char *why, size_t whylen)
{
	if (status == 304)
		return WR_GOT_UNCHANGED;
	if (status == 0 || (status >= 200 && status < 300))
		return WR_GOT_BODY;
	snprintf(why, whylen, "%s: HTTP %ld", url, status);
	/* Everything else is worth another try later: a 404 is a page the
	 * service has not written yet, a 5xx a host having a bad minute. */
	return status == 401 || status == 403 ? WR_GOT_AUTH : WR_GOT_RETRY;
}

enum wr_got wr_fetch_get(struct wr_fetch *f, const char *url, const char *etag,
                         struct wr_buf *body, char *etag_out, size_t n, char *why,
                         size_t whylen)
{
	struct reply r = { f, body, etag_out, n, 0 };
	struct curl_slist *h = headers(f, url, etag);
	CURLcode cc;
	long status = 0;

	wr_buf_reset(body);
	etag_out[0] = why[0] = '\0';
	setup(f, url, &r, h);
	cc = curl_easy_perform(f->curl);
	curl_easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_setopt(f->curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(h);
	if (r.too_big) {
		snprintf(why, whylen, "%s: larger than %zu bytes", url, f->max_bytes);
		return WR_GOT_RETRY;
	}
	if (cc != CURLE_OK) {
		snprintf(why, whylen, "%s: %s", url, curl_easy_strerror(cc));
		return WR_GOT_RETRY;
	}
	return classify(status, url, why, whylen);
}
