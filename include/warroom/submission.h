/* One precinct tally as a source sent it, checked against the submission
 * schema (schemas/submission.schema.json). Parsing needs no store, so the
 * fuzzer and the hotline screen use exactly the code intake uses. */
#ifndef WARROOM_SUBMISSION_H
#define WARROOM_SUBMISSION_H

#include <stddef.h>
#include <stdint.h>

#include "warroom/contest.h"
#include "warroom/err.h"

#define WR_RECORD_MAX 65536     /* bytes in one NDJSON record */
#define WR_FUTURE_SKEW 300      /* seconds a reporter's clock may run ahead */

enum wr_source { WR_SRC_APP, WR_SRC_HOTLINE, WR_SRC_IMPORT };

struct wr_submission {
	char submission_id[129];
	enum wr_source source;
	char precinct[33];        /* code as sent, "" when given by name */
	char county[65];          /* FIPS or county name, "" when absent */
	char precinct_name[129];
	int64_t reported_at;
	char reporter[129];
	char device[129];         /* "" when absent */
	size_t nvotes;            /* == contest candidates */
	int64_t votes[WR_MAX_CANDIDATES];  /* in contest order */
	int64_t total;
	/* SHA-256 of what the tally says, independent of spelling, key order
	 * and contest candidate order; the hashed form is versioned
	 * ("warroom-submission-v2", see content_hash in submission.c). */
	unsigned char content_hash[32];
};

/* Parses one record of len bytes (not NUL-terminated; may hold NULs).
 * now is the receive time for the future check. Text fields hold no
 * control character (wr_utf8_is_control). On WR_EINVAL, err names the
 * field and the reason, keys and values from the record escaped, and out
 * is unspecified. */
int wr_submission_parse(const char *buf, size_t len, const struct wr_contest *c,
                        int64_t now, struct wr_submission *out, struct wr_err *err);

const char *wr_source_name(enum wr_source s);

/* "19153-042" or "Polk / Union Twp": what the record named, for messages. */
void wr_submission_ref(const struct wr_submission *s, char *out, size_t n);

#endif
