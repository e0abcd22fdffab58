/* The feed writer (see feedwrite.h). State: the open page's number and its
 * submissions (json array; `written` of them are on disk), and a queue of
 * submissions added since the last sync. A sync moves the queue into pages;
 * the queue only gives a submission up once the page holding it is on
 * disk, so a failed write loses nothing. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "warroom/alloc.h"
#include "warroom/feedwrite.h"
#include "warroom/utf8.h"

struct wr_feedw {
	char *dir;
	size_t page_size;
	long page;         /* the open page */
	json_t *cur;       /* its submissions */
	size_t written;    /* how many of cur are on disk */
	json_t **q;        /* added since the last sync, q[qhead..qlen) */
	size_t qhead, qlen, qcap;
};

#define NAME_MAX_LEN 32

static void page_name(long page, char out[NAME_MAX_LEN])
{
	snprintf(out, NAME_MAX_LEN, "page-%06ld.json", page);
}

static char *path_in(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = wr_xmalloc(n);

	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

/* mkdir -p: each missing component in turn, then dir must be a directory. */
static int make_dir(const char *dir, struct wr_err *err)
{
	char *p = wr_xstrdup(dir);
	struct stat st;
	int rc = WR_OK;

	for (char *s = p + 1, c; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		c = *s;
		*s = '\0';
		if (mkdir(p, 0777) != 0 && errno != EEXIST) {
			rc = wr_errf(err, WR_EIO, "%s: cannot create: %s", p, strerror(errno));
			break;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	if (rc == WR_OK && (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)))
		rc = wr_errf(err, WR_EIO, "%s: not a directory", dir);
	free(p);
	return rc;
}

/* Puts tmp in place at path: renamed over it, or with exclusive hard-linked,
 * which fails with EEXIST when path exists (check and create in one step).
 * Where the file system has no hard links (some FUSE and shared-folder
 * mounts) it checks, then renames: only two writers racing could both win
 * there. */
static int place(const char *tmp, const char *path, int exclusive)
{
	if (!exclusive)
		return rename(tmp, path);
	if (link(tmp, path) == 0)
		return 0;
	if (errno != EPERM && errno != ENOTSUP && errno != EOPNOTSUPP && errno != ENOSYS)
		return -1;
	if (access(path, F_OK) == 0) {
		errno = EEXIST;
		return -1;
	}
	return rename(tmp, path);
}

/* Writes text to path via a temp file beside it, put in place by place():
 * an exclusive write fails with WR_EINVAL when path exists. */
static int put_file(const char *dir, const char *name, const char *text,
                    int exclusive, struct wr_err *err)
{
	char tmpname[NAME_MAX_LEN + 8];
	char *path = path_in(dir, name), *tmp;
	size_t len = strlen(text);
	int rc = WR_OK, bad, e = 0;
	FILE *f;

	snprintf(tmpname, sizeof tmpname, ".%s.tmp", name);
	tmp = path_in(dir, tmpname);
	if (!(f = fopen(tmp, "wb"))) {
		rc = wr_errf(err, WR_EIO, "%s: cannot write: %s", tmp, strerror(errno));
		goto out;
	}
	bad = fwrite(text, 1, len, f) != len || fputc('\n', f) == EOF;
	if (bad)
		e = errno;
	if (fclose(f) != 0 && !bad)
		bad = 1, e = errno;
	if (bad)
		rc = wr_errf(err, WR_EIO, "%s: write failed: %s", tmp, strerror(e));
	else if (place(tmp, path, exclusive) != 0)
		rc = errno == EEXIST && exclusive
		     ? wr_errf(err, WR_EINVAL, "%s: already holds a feed (%s); a feed writer "
		               "never overwrites one: remove it or pick another directory",
		               dir, name)
		     : wr_errf(err, WR_EIO, "%s: cannot put in place: %s", path, strerror(errno));
	/* After a link the temp name goes too (after a rename it is gone
	 * already); after a failure nothing stays. */
	if (exclusive || rc != WR_OK)
		unlink(tmp);
out:
	free(tmp);
	free(path);
	return rc;
}

/* Writes page number `page` holding subs, linking to page + 1 when closed. */
static int write_page(struct wr_feedw *w, long page, json_t *subs, int closed,
                      int exclusive, struct wr_err *err)
{
	char name[NAME_MAX_LEN], next[NAME_MAX_LEN];
	json_t *root = json_object();
	char *text;
	int rc;

	page_name(page, name);
	page_name(page + 1, next);
	json_object_set_new(root, "feed", json_string(WR_FEED_FORMAT));
	json_object_set_new(root, "page", json_integer(page));
	json_object_set(root, "submissions", subs);
	json_object_set_new(root, "next", closed ? json_string(next) : json_null());
	/* Parsed objects, strings and integers always encode: only memory can
	 * fail here. */
	if (!(text = json_dumps(root, JSON_COMPACT)))
		wr_fatal("out of memory encoding feed page %ld", page);
	json_decref(root);
	rc = put_file(w->dir, name, text, exclusive, err);
	free(text);
	return rc;
}

int wr_feedw_open(struct wr_feedw **out, const char *dir, size_t page_size,
                  struct wr_err *err)
{
	struct wr_feedw *w;
	int rc;

	*out = NULL;
	if (page_size < 1)
		return wr_errf(err, WR_EINVAL, "feed page size must be at least 1");
	if (!dir || !*dir)
		return wr_errf(err, WR_EINVAL, "feed directory: a path expected");
	if ((rc = make_dir(dir, err)) != WR_OK)
		return rc;
	w = wr_xcalloc(1, sizeof *w);
	w->dir = wr_xstrdup(dir);
	w->page_size = page_size;
	w->page = 1;
	w->cur = json_array();
	if ((rc = write_page(w, 1, w->cur, 0, 1, err)) != WR_OK) {
		wr_feedw_close(w);
		return rc;
	}
	*out = w;
	return WR_OK;
}

int wr_feedw_add(struct wr_feedw *w, const char *json, size_t len, struct wr_err *err)
{
	json_error_t je;
	json_t *v = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	char shown[96];

	if (!v) {
		wr_utf8_escape(shown, sizeof shown, je.text, strlen(je.text), 0);
		return wr_errf(err, WR_EINVAL, "submission is not JSON: line %d column %d: %s",
		               je.line, je.column, shown);
	}
	if (!json_is_object(v)) {
		json_decref(v);
		return wr_errf(err, WR_EINVAL, "submission is not a JSON object");
	}
	if (w->qhead > 0 && w->qhead == w->qlen)
		w->qhead = w->qlen = 0;
	if (w->qlen == w->qcap)
		w->q = wr_xrealloc(w->q, (w->qcap = w->qcap ? 2 * w->qcap : 64) * sizeof *w->q);
	w->q[w->qlen++] = v;
	return WR_OK;
}

/* The next up to page_size queued submissions (new references), for the
 * page after a full one; the queue keeps them until that page is written. */
static json_t *peek_page(const struct wr_feedw *w)
{
	json_t *a = json_array();

	for (size_t i = w->qhead; i < w->qlen && json_array_size(a) < w->page_size; i++)
		json_array_append(a, w->q[i]);
	return a;
}

static void drop_queued(struct wr_feedw *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		json_decref(w->q[w->qhead++]);
	if (w->qhead == w->qlen)
		w->qhead = w->qlen = 0;
}

int wr_feedw_sync(struct wr_feedw *w, struct wr_err *err)
{
	size_t take;
	int rc;

	/* Fill the open page from the queue. cur is only in memory until written,
	 * and a failed write leaves it there for the next sync. */
	while (json_array_size(w->cur) < w->page_size && w->qhead < w->qlen) {
		json_array_append_new(w->cur, w->q[w->qhead]);
		w->q[w->qhead++] = NULL;
	}
	if (w->qhead == w->qlen)
		w->qhead = w->qlen = 0;
	while (json_array_size(w->cur) >= w->page_size) {
		json_t *next;

		if (w->page >= WR_FEEDW_MAX_PAGES)
			return wr_errf(err, WR_EINVAL, "%s: feed is full (%d pages)", w->dir,
			               WR_FEEDW_MAX_PAGES);
		/* The next page first, then the link to it. */
		next = peek_page(w);
		take = json_array_size(next);
		if ((rc = write_page(w, w->page + 1, next, 0, 0, err)) != WR_OK ||
		    (rc = write_page(w, w->page, w->cur, 1, 0, err)) != WR_OK) {
			json_decref(next);
			return rc;
		}
		drop_queued(w, take);
		json_decref(w->cur);
		w->cur = next;
		w->written = take;
		w->page++;
	}
	if (w->written != json_array_size(w->cur)) {
		if ((rc = write_page(w, w->page, w->cur, 0, 0, err)) != WR_OK)
			return rc;
		w->written = json_array_size(w->cur);
	}
	return WR_OK;
}

long wr_feedw_page(const struct wr_feedw *w, size_t *in_page, size_t *pending)
{
	if (in_page)
		*in_page = w->written;
	if (pending)
		*pending = json_array_size(w->cur) - w->written + (w->qlen - w->qhead);
	return w->page;
}

void wr_feedw_close(struct wr_feedw *w)
{
	if (!w)
		return;
	for (size_t i = w->qhead; i < w->qlen; i++)
		json_decref(w->q[i]);
	free(w->q);
	json_decref(w->cur);
	free(w->dir);
	free(w);
}
