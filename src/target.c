#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "warroom/target.h"
#include "warroom/utf8.h"

static void env_copy(char *dst, size_t n, const char *name)
{
	const char *v = getenv(name);

	snprintf(dst, n, "%s", v ? v : "");
}

/* Keys and prefixes are ours and plain, so no URL or SigV4 encoding
 * question ever arises; anything else is refused up front. */
static int plain_path(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("._-/", *s)))
			return 0;
	return 1;
}

static int open_file(struct wr_target *t, const char *path, struct wr_err *err)
{
	char cwd[PATH_MAX];

	if (!*path)
		return wr_errf(err, WR_EINVAL, "target file:// names no directory");
	if (*path != '/' && !getcwd(cwd, sizeof cwd))
		return wr_errf(err, WR_EIO, "target: cannot read the working directory: %s",
		               strerror(errno));
	if (snprintf(t->base, sizeof t->base, "%s%s%s", *path == '/' ? "" : cwd,
	             *path == '/' ? "" : "/", path) >= (int)sizeof t->base - 8)
		return wr_errf(err, WR_EINVAL, "target directory %s: too long", path);
	if (!plain_path(t->base))
		return wr_errf(err, WR_EINVAL, "target directory %s: use letters, digits and "
		               "._-/ only", t->base);
	if (snprintf(t->name, sizeof t->name, "file://%s", t->base) >= (int)sizeof t->name)
		return wr_errf(err, WR_EINVAL, "target directory %s: too long", t->base);
	return WR_OK;
}

static int open_http(struct wr_target *t, const char *url, struct wr_err *err)
{
	const char *host = strstr(url, "://") + 3;
	const char *slash = strchr(host, '/'), *at = strchr(host, '@');

	if (at && (!slash || at < slash))
		return wr_errf(err, WR_EINVAL, "target URL holds credentials, which would reach "
		               "the logs: give the token in WARROOM_PUSH_TOKEN instead");
	if (strchr(url, '?') || strchr(url, '#'))  /* not echoed: it may hold a signature */
		return wr_errf(err, WR_EINVAL, "target URL: no query or fragment, please");
	snprintf(t->base, sizeof t->base, "%s%s", url,
	         url[strlen(url) - 1] == '/' ? "" : "/");
	snprintf(t->name, sizeof t->name, "%s", t->base);
	return WR_OK;
}

static int loopback(const char *base)
{
	static const char *const hosts[] = { "http://127.", "http://localhost:",
	                                     "http://localhost/", "http://[::1]" };

	for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++)
		if (!strncmp(base, hosts[i], strlen(hosts[i])))
			return 1;
	return 0;
}

static int http_credentials(struct wr_target *t, struct wr_err *err)
{
	char token[1024];
	int rc = WR_OK;

	env_copy(token, sizeof token, "WARROOM_PUSH_TOKEN");
	if (*token && !strncmp(t->base, "http://", 7) && !loopback(t->base))
		rc = wr_errf(err, WR_EINVAL, "target %s: the token would cross the network in "
		             "clear; use https://", t->name);
	else if (*token)
		snprintf(t->auth, sizeof t->auth, "Authorization: Bearer %s", token);
	sodium_memzero(token, sizeof token);
	return rc;
}

static int open_s3(struct wr_target *t, const char *rest, const char *endpoint,
                   struct wr_err *err)
{
	char bucket[128], prefix[256] = "", ep[256];
	const char *slash = strchr(rest, '/');
	size_t blen = slash ? (size_t)(slash - rest) : strlen(rest);

	if (!blen || blen >= sizeof bucket)
		return wr_errf(err, WR_EINVAL, "target s3://BUCKET/PREFIX names no bucket");
	snprintf(bucket, sizeof bucket, "%.*s", (int)blen, rest);
	if (slash && slash[1])
		snprintf(prefix, sizeof prefix, "%s%s", slash + 1,
		         slash[strlen(slash) - 1] == '/' ? "" : "/");
	if (!plain_path(bucket) || strchr(bucket, '/') || !plain_path(prefix))
		return wr_errf(err, WR_EINVAL, "target s3://%s: use letters, digits and ._-/ in "
		               "the bucket and prefix", rest);
	env_copy(t->region, sizeof t->region, "AWS_REGION");
	if (!*t->region)
		env_copy(t->region, sizeof t->region, "AWS_DEFAULT_REGION");
	if (!*t->region)
		snprintf(t->region, sizeof t->region, "us-east-1");
	if (endpoint && *endpoint)
		snprintf(ep, sizeof ep, "%s", endpoint);
	else if (getenv("AWS_ENDPOINT_URL_S3") && *getenv("AWS_ENDPOINT_URL_S3"))
		env_copy(ep, sizeof ep, "AWS_ENDPOINT_URL_S3");
	else if (getenv("AWS_ENDPOINT_URL") && *getenv("AWS_ENDPOINT_URL"))
		env_copy(ep, sizeof ep, "AWS_ENDPOINT_URL");
	else
		snprintf(ep, sizeof ep, "https://s3.%s.amazonaws.com", t->region);
	if (strchr(ep, '@'))
		return wr_errf(err, WR_EINVAL, "S3 endpoint holds credentials; use the AWS_* "
		               "environment variables");
	ep[strcspn(ep, "?#")] = '\0';
	if (ep[0] && ep[strlen(ep) - 1] == '/')
		ep[strlen(ep) - 1] = '\0';
	if (snprintf(t->base, sizeof t->base, "%s/%s/%s", ep, bucket, prefix) >=
	        (int)sizeof t->base ||
	    snprintf(t->name, sizeof t->name, "s3://%s/%s at %s", bucket, prefix, ep) >=
	        (int)sizeof t->name)
		return wr_errf(err, WR_EINVAL, "target s3://%s: too long", rest);
	return WR_OK;
}

static int s3_credentials(struct wr_target *t, struct wr_err *err)
{
	env_copy(t->access, sizeof t->access, "AWS_ACCESS_KEY_ID");
	env_copy(t->secret, sizeof t->secret, "AWS_SECRET_ACCESS_KEY");
	env_copy(t->session, sizeof t->session, "AWS_SESSION_TOKEN");
	if (!*t->access || !*t->secret)
		return wr_errf(err, WR_EINVAL, "target %s needs AWS_ACCESS_KEY_ID and "
		               "AWS_SECRET_ACCESS_KEY in the environment", t->name);
	return WR_OK;
}

int wr_target_parse(struct wr_target *t, const char *url, const char *endpoint,
                    struct wr_err *err)
{
	int rc;

	memset(t, 0, sizeof *t);
	t->connect_timeout_ms = 5000;
	t->timeout_ms = 30000;
	if (!strncmp(url, "file://", 7)) {
		t->kind = WR_TARGET_FILE;
		rc = open_file(t, url + 7, err);
	} else if (!strncmp(url, "http://", 7) || !strncmp(url, "https://", 8)) {
		t->kind = WR_TARGET_HTTP;
		rc = open_http(t, url, err);
	} else if (!strncmp(url, "s3://", 5)) {
		t->kind = WR_TARGET_S3;
		rc = open_s3(t, url + 5, endpoint, err);
	} else {
		return wr_errf(err, WR_EINVAL, "target %s: use file://DIR, http(s)://HOST/PATH "
		               "or s3://BUCKET/PREFIX", url);
	}
	return rc;
}

int wr_target_open(struct wr_target *t, const char *url, const char *endpoint,
                   struct wr_err *err)
{
	int rc = wr_target_parse(t, url, endpoint, err);

	if (rc == WR_OK && t->kind == WR_TARGET_S3)
		rc = s3_credentials(t, err);
	if (rc == WR_OK && t->kind == WR_TARGET_HTTP)
		rc = http_credentials(t, err);
	if (rc != WR_OK)
		return rc;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (!(t->curl = curl_easy_init()))
		return wr_errf(err, WR_EIO, "libcurl could not start");
	return WR_OK;
}

void wr_target_close(struct wr_target *t)
{
	if (t->curl)
		curl_easy_cleanup(t->curl);
	t->curl = NULL;
	sodium_memzero(t->auth, sizeof t->auth);
	sodium_memzero(t->secret, sizeof t->secret);
	sodium_memzero(t->session, sizeof t->session);
}

struct source {
	const char *p;
	size_t left;
};

static size_t read_body(char *out, size_t size, size_t n, void *arg)
{
	struct source *src = arg;
	size_t k = size * n < src->left ? size * n : src->left;

	memcpy(out, src->p, k);
	src->p += k;
	src->left -= k;
	return k;
}

struct reply {
	char text[1024];
	size_t len;
};

/* Keeps the start of the reply: enough for an S3 error code. */
static size_t keep_reply(char *in, size_t size, size_t n, void *arg)
{
	struct reply *r = arg;
	size_t room = sizeof r->text - 1 - r->len, k = size * n < room ? size * n : room;

	memcpy(r->text + r->len, in, k);
	r->len += k;
	r->text[r->len] = '\0';
	return size * n;
}

/* "SignatureDoesNotMatch" from an S3 error body, else nothing: the rest of
 * such a body can echo the access key id and the string that was signed. */
static void server_code(const struct reply *r, char *out, size_t n)
{
	const char *a = strstr(r->text, "<Code>"), *b = a ? strstr(a, "</Code>") : NULL;

	out[0] = '\0';
	if (a && b && b - a - 6 < 80)
		wr_utf8_escape(out, n, a + 6, (size_t)(b - a - 6), 0);
}

static int mkdirs(char *path)
{
	for (char *s = path + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST) {
			*s = '/';
			return -1;
		}
		*s = '/';
	}
	return 0;
}

static struct curl_slist *headers(const struct wr_target *t, const char *key,
                                  const char *type, const char *sha256_hex)
{
	struct curl_slist *h = NULL;
	char line[2200];

	if (t->kind == WR_TARGET_FILE)
		return NULL;
	snprintf(line, sizeof line, "Content-Type: %s", type);
	h = curl_slist_append(h, line);
	/* Behind a CDN: a batch never changes once written, the pointer to the
	 * newest one changes every few minutes. */
	h = curl_slist_append(h, strcmp(key, "latest.json")
	                             ? "Cache-Control: public, max-age=31536000, immutable"
	                             : "Cache-Control: public, max-age=5");
	/* No 100-continue round trip to an origin; not for S3, where curl 7.88
	 * would sign the removed header as an empty one (403). */
	if (t->kind == WR_TARGET_HTTP)
		h = curl_slist_append(h, "Expect:");
	if (*t->auth)
		h = curl_slist_append(h, t->auth);
	if (t->kind == WR_TARGET_S3) {
		/* curl 7.88 signs but does not send the payload hash S3 requires. */
		snprintf(line, sizeof line, "x-amz-content-sha256: %s", sha256_hex);
		h = curl_slist_append(h, line);
		if (*t->session) {
			snprintf(line, sizeof line, "x-amz-security-token: %s", t->session);
			h = curl_slist_append(h, line);
		}
	}
	return h;
}

/* A transfer stalled on a silent server ends as soon as a stop is asked
 * for, not at the timeout; it counts as a failed try, so nothing moves. */
static int progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	const struct wr_target *t = arg;

	(void)dt, (void)dn, (void)ut, (void)un;
	return t->stop && *t->stop;
}

static void setup(struct wr_target *t, const char *url, struct source *src,
                  struct reply *rep, struct curl_slist *h)
{
	CURL *c = t->curl;

	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, t->kind == WR_TARGET_FILE ? "file"
	                                           : "http,https");
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, t);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_body);
	curl_easy_setopt(c, CURLOPT_READDATA, src);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)src->left);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_reply);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, rep);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, t->connect_timeout_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, t->timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if (t->kind == WR_TARGET_S3) {
		char sig[128];

		snprintf(sig, sizeof sig, "aws:amz:%s:s3", t->region);
		curl_easy_setopt(c, CURLOPT_AWS_SIGV4, sig);
		/* Set apart: an access key may hold a colon, where USERPWD splits. */
		curl_easy_setopt(c, CURLOPT_USERNAME, t->access);
		curl_easy_setopt(c, CURLOPT_PASSWORD, t->secret);
	}
}

static enum wr_put classify_curl(CURLcode cc, char *why, size_t whylen)
{
	snprintf(why, whylen, "%s", curl_easy_strerror(cc));
	switch (cc) {
	case CURLE_COULDNT_RESOLVE_HOST: case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT: case CURLE_SEND_ERROR: case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING: case CURLE_PARTIAL_FILE: case CURLE_WRITE_ERROR:
	case CURLE_UPLOAD_FAILED: case CURLE_FILE_COULDNT_READ_FILE:
	case CURLE_HTTP2: case CURLE_HTTP2_STREAM: case CURLE_ABORTED_BY_CALLBACK:
		return WR_PUT_RETRY;
	default:
		return WR_PUT_FAIL;
	}
}

static enum wr_put classify_http(long status, const struct reply *rep, char *why,
                                 size_t whylen)
{
	char code[96];

	if (status >= 200 && status < 300)
		return WR_PUT_OK;
	server_code(rep, code, sizeof code);
	snprintf(why, whylen, "HTTP %ld%s%s", status, *code ? " " : "", code);
	if (status == 429 || status >= 500)
		return WR_PUT_RETRY;
	return status == 401 || status == 403 ? WR_PUT_AUTH : WR_PUT_FAIL;
}

/* A file target is written beside its final name and renamed, so a reader
 * of latest.json never opens a half-written file; fsync before the rename
 * makes "pushed" in the store mean on disk. */
static enum wr_put file_commit(const char *tmp, const char *final, char *why,
                               size_t whylen)
{
	int fd = open(tmp, O_RDONLY), dir;
	char parent[1200];

	if (fd < 0 || fsync(fd) != 0 || rename(tmp, final) != 0) {
		snprintf(why, whylen, "%s: %s", final, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		return WR_PUT_RETRY;
	}
	close(fd);
	/* The rename itself is durable only once its directory is synced. */
	snprintf(parent, sizeof parent, "%.*s", (int)(strrchr(final, '/') - final), final);
	if ((dir = open(parent, O_RDONLY)) < 0 || fsync(dir) != 0) {
		snprintf(why, whylen, "%s: %s", parent, strerror(errno));
		if (dir >= 0)
			close(dir);
		return WR_PUT_RETRY;
	}
	close(dir);
	return WR_PUT_OK;
}

enum wr_put wr_target_put(struct wr_target *t, const char *key, const char *type,
                          const void *body, size_t len, const char *sha256_hex,
                          char *why, size_t whylen)
{
	char url[1400], path[1200], tmp[1240];
	struct source src = { body, len };
	struct reply rep = { .len = 0 };
	struct curl_slist *h;
	CURLcode cc;
	long status = 0;

	why[0] = '\0';
	if (!plain_path(key)) {
		snprintf(why, whylen, "key %s: not a plain path", key);
		return WR_PUT_FAIL;
	}
	if (t->kind == WR_TARGET_FILE) {
		snprintf(path, sizeof path, "%s/%s", t->base, key);
		snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
		if (mkdirs(path) != 0) {
			snprintf(why, whylen, "%s: %s", path, strerror(errno));
			return WR_PUT_RETRY;
		}
		snprintf(url, sizeof url, "file://%s", tmp);
	} else {
		snprintf(url, sizeof url, "%s%s", t->base, key);
	}
	h = headers(t, key, type, sha256_hex);
	setup(t, url, &src, &rep, h);
	cc = curl_easy_perform(t->curl);
	curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_setopt(t->curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(h);
	if (cc != CURLE_OK) {
		if (t->kind == WR_TARGET_FILE)
			unlink(tmp);
		return classify_curl(cc, why, whylen);
	}
	if (t->kind == WR_TARGET_FILE)
		return file_commit(tmp, path, why, whylen);
	return classify_http(status, &rep, why, whylen);
}

int wr_target_default(const char *db_path, const char *given, char *out, size_t n,
                      struct wr_err *err)
{
	const char *env = getenv("WARROOM_PUSH_TO");
	char *real, *slash;

	if (given || (env && *env)) {
		snprintf(out, n, "%s", given ? given : env);
		return WR_OK;
	}
	if (!(real = realpath(db_path, NULL)))
		return wr_errf(err, WR_EIO, "store %s: %s", db_path, strerror(errno));
	slash = strrchr(real, '/');
	*slash = '\0';
	snprintf(out, n, "file://%s/public", real);
	free(real);
	return WR_OK;
}
