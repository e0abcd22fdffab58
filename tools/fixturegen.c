/* fixturegen: writes warroom's fixture files.
 *
 * "iowa" derives them from the real Iowa facts in ../shared/data/iowa.
 * What those facts do not give (precinct lines and names, caucus sites,
 * precinct-level baselines, the 2020 county split, redistricting aliases, a
 * 2024 night) is modelled here from a fixed seed, so every run writes the
 * same bytes.  "national" builds a synthetic set of the same shape at
 * benchmark scale.  fixtures/README.md says which numbers are real.
 *
 * Build: cc -std=c11 -Wall -Wextra -Werror -O2 -Iinclude \
 *            -o fixturegen tools/fixturegen.c src/rng.c -lm
 * Exit status: 1 bad arguments, 2 unreadable or malformed input,
 * 3 output could not be written or a generator invariant failed. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "warroom/rng.h"

/* ------------------------------------------------------------------ */
/* Contest facts                                                        */

enum { N16 = 7, N20 = 4, N24 = 7 };

static const char *const CAND16[N16] = {"cruz", "trump", "rubio", "carson",
                                        "paul", "bush", "other"};
static const char *const CAND20[N20] = {"trump", "weld", "walsh", "other"};
static const char *const CAND24[N24] = {"trump", "desantis", "haley",
                                        "ramaswamy", "hutchinson", "binkley",
                                        "other"};
static const char *const NAME24[N24] = {
    "Donald J. Trump", "Ron DeSantis", "Nikki Haley", "Vivek Ramaswamy",
    "Asa Hutchinson", "Ryan Binkley", "Other"};
/* Rough 2024 statewide shares; each precinct draws its own around them. */
static const double SHARE24[N24] = {0.51, 0.21, 0.19, 0.077,
                                    0.002, 0.007, 0.004};
/* 2016 AP statewide shares (other = Fiorina..Santorum), used only to shape
 * the synthetic national counties. */
static const double SHARE16[N16] = {51666, 45427, 43165, 17395,
                                    8481, 5238, 15371};
/* 2016 county columns summed into "other". */
static const char *const OTHER16[] = {"fiorina", "kasich", "huckabee",
                                      "christie", "santorum"};
/* Statewide 2020 rows of ia_gop_caucus_statewide_2016_2020.csv, in
 * CAND20 order; the national set scales these. */
static const char *const NAME20[N20] = {"Donald Trump", "Bill Weld",
                                        "Joe Walsh", "Other"};
static const double SHARE20[N20] = {31464, 426, 348, 151};

struct contest {
    const char *id, *name, *state, *issuer, *issuer_abbrev, *party;
};
static const struct contest IOWA_CONTEST = {
    "ia-gop-2024", "2024 Iowa Republican Presidential Caucuses", "IA",
    "Republican Party of Iowa", "RPI", "Republican"};
static const struct contest NATIONAL_CONTEST = {
    "us-gop-bench", "Synthetic National Benchmark (Republican Presidential)",
    "US", "warroom benchmark", "WRB", "Republican"};
static const char OPENS_AT[] = "2024-01-15T19:00:00-06:00";

#define IOWA_SEED 20240115u
#define IOWA_PRECINCTS 1687
#define IOWA_ALIAS_ROWS 168
#define MAX_TOWNS 9
#define MAX_PER_COUNTY 999 /* precinct codes have three digits */
#define MAX_ALIASES 99     /* old codes are <fips>-501 .. -599 */
#define NAME_LEN 64
#define SITE_LEN 96
#define TURNOUT_CAP 0.60 /* highest 2016 turnout share a precinct may get */

/* ------------------------------------------------------------------ */
/* Model                                                                */

struct town {
    const char *name;
    double weight; /* share of the county's city precincts */
    char style;    /* 'W' "<town> 3-2", 'P' "<town> Precinct 4", 'S' "<town>" */
    int nprec, first;
    int wards;
};

struct county {
    int fips;
    char name[48];
    char short_name[8];
    int tile_row, tile_col; /* -1 when there is no tile map (national) */
    double lat, lon;
    long rep_active;
    long v16[N16], v20[N20];
    int nprec, first; /* its precincts are p[first .. first + nprec) */
    int ntowns;
    struct town towns[MAX_TOWNS];
    int aliases; /* alias rows wanted */
};

struct precinct {
    int county, num, site;
    int town;       /* index into the county's towns; -1 for a township */
    int ward, wnum; /* place in the town's numbering */
    int twp;        /* TOWNSHIPS index for a township */
    char name[NAME_LEN];
    long reg, b16[N16], b20[N20];
};

struct site {
    int county, num, size;
    char name[SITE_LEN];
};

struct alias {
    int county, old_num, precinct;
    char old_name[NAME_LEN + 16];
};

struct world {
    uint64_t seed;
    const struct contest *contest;
    int nc, np, ns, na;
    struct county *c;
    struct precinct *p;
    struct site *s;
    struct alias *a;
    long st20[N20];
    int max_rural;
};

/* Separate streams per stage: changing how one stage draws numbers leaves
 * the output of every other stage as it was. */
enum stage {
    ST_COUNTIES = 1, ST_NAMES, ST_REG, ST_SITES, ST_B16, ST_B20, ST_ALIASES,
    ST_NIGHT
};

static void stream(struct wr_rng *r, const struct world *w, enum stage s)
{
    wr_rng_seed(r, w->seed * 0x9e3779b97f4a7c15u + (uint64_t)s);
}

/* ------------------------------------------------------------------ */
/* Errors and memory                                                    */

static void vdie(int status, const char *fmt, va_list ap)
{
    fputs("fixturegen: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    exit(status);
}

static void die_at(const char *path, int line, int col, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "fixturegen: %s:%d:%d: ", path, line, col);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(2);
}

static void die_input(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vdie(2, fmt, ap);
}

static void die_internal(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vdie(3, fmt, ap);
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p)
        die_internal("out of memory");
    return p;
}

static void *xrealloc(void *p, size_t size)
{
    p = realloc(p, size ? size : 1);
    if (!p)
        die_internal("out of memory");
    return p;
}

static char *path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *s = xcalloc(n, 1);
    snprintf(s, n, "%s/%s", dir, name);
    return s;
}

/* ------------------------------------------------------------------ */
/* Numbers                                                              */

static double jitter(struct wr_rng *r, double sigma)
{
    return exp(sigma * wr_rng_normal(r));
}

static double uniform_in(struct wr_rng *r, double lo, double hi)
{
    return lo + (hi - lo) * wr_rng_uniform(r);
}

static void dirichlet(struct wr_rng *r, const double *alpha, int n,
                      double *out)
{
    double sum = 0.0;
    for (int i = 0; i < n; i++)
        sum += out[i] = wr_rng_gamma(r, alpha[i]);
    if (sum <= 0.0) /* every gamma underflowed: fall back to the mean */
        for (int i = 0; i < n; i++)
            sum += out[i] = alpha[i];
    for (int i = 0; i < n; i++)
        out[i] /= sum;
}

struct rem {
    uint64_t w, r;
    int i;
};

static int rem_desc(const void *a, const void *b)
{
    const struct rem *x = a, *y = b;
    if (x->r != y->r)
        return x->r < y->r ? 1 : -1;
    return (x->i > y->i) - (x->i < y->i);
}

/* Largest-remainder split of total over weights, summing exactly to total.
 * Weights become integers first so the split is exact integer arithmetic
 * and cannot depend on floating-point rounding of the quotas. */
static void lr_alloc(long total, const double *w, int n, long *out)
{
    struct rem stackbuf[64];
    struct rem *rm = n <= 64 ? stackbuf : xcalloc((size_t)n, sizeof *rm);
    double wmax = 0.0;
    for (int i = 0; i < n; i++) {
        if (!(w[i] >= 0.0) || !isfinite(w[i]))
            die_internal("lr_alloc: bad weight %g", w[i]);
        if (w[i] > wmax)
            wmax = w[i];
    }
    if (total < 0 || total > 1000000000L || (wmax <= 0.0 && total > 0))
        die_internal("lr_alloc: cannot split %ld", total);
    uint64_t sum = 0;
    for (int i = 0; i < n; i++)
        sum += rm[i].w = wmax > 0.0 ? (uint64_t)llround(w[i] / wmax * 1e9) : 0;
    long given = 0;
    for (int i = 0; i < n; i++) {
        uint64_t num = (uint64_t)total * rm[i].w;
        out[i] = sum ? (long)(num / sum) : 0;
        rm[i].r = sum ? num % sum : 0;
        rm[i].i = i;
        given += out[i];
    }
    qsort(rm, (size_t)n, sizeof *rm, rem_desc);
    for (long k = 0; k < total - given; k++)
        out[rm[k % n].i]++;
    if (rm != stackbuf)
        free(rm);
}

/* Moves single units from the largest to the smallest entry until every
 * entry is within [lo, hi]; the sum is unchanged. */
static void clamp_counts(long *v, int n, long lo, long hi)
{
    long sum = 0;
    for (int i = 0; i < n; i++)
        sum += v[i];
    if (sum < lo * n || sum > hi * n)
        die_internal("clamp_counts: %ld cannot fit %d x [%ld, %ld]", sum, n,
                     lo, hi);
    for (;;) {
        int imin = 0, imax = 0;
        for (int i = 1; i < n; i++) {
            if (v[i] < v[imin])
                imin = i;
            if (v[i] > v[imax])
                imax = i;
        }
        if (v[imin] >= lo && v[imax] <= hi)
            return;
        v[imin]++;
        v[imax]--;
    }
}

/* ------------------------------------------------------------------ */
/* Names                                                                */

static char lower(char ch)
{
    return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

static char upper(char ch)
{
    return ch >= 'a' && ch <= 'z' ? (char)(ch - 'a' + 'A') : ch;
}

static int is_alnum(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch >= '0' && ch <= '9') || (unsigned char)ch >= 0x80;
}

static int all_digits(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* Lower-cases; punctuation is deleted (mode 0: "3-2" -> "32") or becomes a
 * space (mode 1: "3 2"). */
static size_t fold(const char *in, int mode, char *tmp, size_t cap)
{
    size_t k = 0;
    for (; *in && k + 1 < cap; in++) {
        if (is_alnum(*in))
            tmp[k++] = lower(*in);
        else if (*in == ' ' || *in == '\t' || mode == 1)
            tmp[k++] = ' ';
    }
    tmp[k] = '\0';
    return k;
}

static size_t token_end(const char *s, size_t i, size_t k)
{
    while (i < k && s[i] != ' ')
        i++;
    return i;
}

/* The name normaliser the fixtures promise to be unambiguous under:
 * lower-case, punctuation stripped, spaces collapsed, "twp" -> "township",
 * "no" dropped before a number.  A loader may strip punctuation either way,
 * so the fixtures are checked under both modes of fold(). */
static void normalise(const char *in, int mode, char *out, size_t cap)
{
    char tmp[256];
    size_t k = fold(in, mode, tmp, sizeof tmp), o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < k;) {
        while (i < k && tmp[i] == ' ')
            i++;
        size_t j = token_end(tmp, i, k), nx = j;
        while (nx < k && tmp[nx] == ' ')
            nx++;
        const char *tok = tmp + i;
        size_t len = j - i;
        if (len == 2 && !memcmp(tok, "no", 2) &&
            all_digits(tmp + nx, token_end(tmp, nx, k) - nx))
            len = 0;
        else if (len == 3 && !memcmp(tok, "twp", 3))
            tok = "township", len = 8;
        if (len > 0 && o + len + 2 < cap) {
            if (o)
                out[o++] = ' ';
            memcpy(out + o, tok, len);
            out[o += len] = '\0';
        }
        i = j;
    }
}

static const char *const TOWNSHIPS[] = {
    "Union", "Washington", "Jackson", "Lincoln", "Grant", "Liberty",
    "Jefferson", "Center", "Clay", "Madison", "Harrison", "Douglas",
    "Pleasant", "Richland", "Fremont", "Lafayette", "Eden", "Sherman",
    "Taylor", "Monroe", "Cedar", "Prairie", "Franklin", "Scott", "Polk",
    "Boone", "Benton", "Lee", "Garfield", "Sheridan", "Pleasant Grove",
    "Spring Creek", "Rock Creek", "Highland", "Walnut", "Grove", "Salem",
    "Marion", "Perry", "Wayne", "Butler", "Fairview", "Valley", "Willow",
    "Buchanan", "Dayton", "Oak Grove", "Pleasant Valley", "Sugar Creek",
    "Otter Creek", "Deer Creek", "Indian Creek", "Big Creek", "Elk",
    "Summit", "Hamilton", "Webster", "Lyons", "Newton", "Troy"};
#define NTWP ((int)(sizeof TOWNSHIPS / sizeof TOWNSHIPS[0]))
/* Spare township names stay unused so redistricting aliases can name
 * townships that were merged away. */
#define TWP_RESERVE 16

/* Schools and streets a caucus site may be named after. */
static const char *const PATRONS[] = {
    "Lincoln", "Washington", "Roosevelt", "Jefferson", "Hoover", "Madison",
    "Garfield", "Grant", "McKinley", "Monroe", "Jackson", "Adams", "Kennedy",
    "Truman", "Eisenhower", "Franklin", "Hamilton", "Edison", "Longfellow",
    "Whittier", "Emerson", "Irving", "Hawthorne", "Bryant", "Lowell",
    "Clark", "Perkins", "Hubbell", "Moulton", "Willard", "Hillis", "Stowe",
    "Windsor", "Morris", "Cowles", "Garton", "Jordan", "Meredith", "Brody",
    "Callanan", "Merrill", "Weeks", "Harding", "Wilson", "Taft", "Carver",
    "Douglass", "Lakeview", "Oak Park", "Park Avenue", "Central",
    "Northview", "Southeast", "Northwest", "Westridge", "Prairie View",
    "Hilltop", "Riverside", "Meadowlark", "Cottonwood"};
#define NPATRONS ((int)(sizeof PATRONS / sizeof PATRONS[0]))

static const char *const SMALL_VENUES[] = {
    "%s Public Library", "First Lutheran Church, %s", "%s City Hall",
    "First United Methodist Church, %s", "St. Mary's Catholic Church, %s",
    "American Legion Hall, %s", "First Presbyterian Church, %s",
    "%s Fire Station", "Trinity Lutheran Church, %s", "%s Senior Center",
    "Faith Baptist Church, %s", "%s Elementary School"};
#define NSMALL ((int)(sizeof SMALL_VENUES / sizeof SMALL_VENUES[0]))

static const char *const BIG_VENUES[] = {"%s High School",
                                         "%s Community Center",
                                         "%s Middle School"};
#define NBIG ((int)(sizeof BIG_VENUES / sizeof BIG_VENUES[0]))

/* The idx-th venue a town could lend; super sites need big rooms. */
static void venue_name(char *out, const char *town, int big, int idx)
{
    char fmt[48];
    int n = big ? NBIG : NSMALL;
    const char *kind = big ? "%s High School, %%s" : "%s Elementary School, %%s";
    if (idx < n) {
        snprintf(out, SITE_LEN, big ? BIG_VENUES[idx] : SMALL_VENUES[idx],
                 town);
    } else if (idx - n < NPATRONS) {
        snprintf(fmt, sizeof fmt, kind, PATRONS[idx - n]);
        snprintf(out, SITE_LEN, fmt, town);
    } else if (big && idx - n < 2 * NPATRONS) {
        snprintf(fmt, sizeof fmt, "%s Middle School, %%s",
                 PATRONS[idx - n - NPATRONS]);
        snprintf(out, SITE_LEN, fmt, town);
    } else {
        snprintf(out, SITE_LEN, "%s Caucus Room %d", town, idx);
    }
}

/* ------------------------------------------------------------------ */
/* Iowa tables: county seats and the larger towns of metro counties.    */

struct seat {
    int fips;
    const char *seat;
};

static const struct seat SEATS[] = {
    {19001, "Greenfield"}, {19003, "Corning"}, {19005, "Waukon"},
    {19007, "Centerville"}, {19009, "Audubon"}, {19011, "Vinton"},
    {19013, "Waterloo"}, {19015, "Boone"}, {19017, "Waverly"},
    {19019, "Independence"}, {19021, "Storm Lake"}, {19023, "Allison"},
    {19025, "Rockwell City"}, {19027, "Carroll"}, {19029, "Atlantic"},
    {19031, "Tipton"}, {19033, "Mason City"}, {19035, "Cherokee"},
    {19037, "New Hampton"}, {19039, "Osceola"}, {19041, "Spencer"},
    {19043, "Elkader"}, {19045, "Clinton"}, {19047, "Denison"},
    {19049, "Adel"}, {19051, "Bloomfield"}, {19053, "Leon"},
    {19055, "Manchester"}, {19057, "Burlington"}, {19059, "Spirit Lake"},
    {19061, "Dubuque"}, {19063, "Estherville"}, {19065, "West Union"},
    {19067, "Charles City"}, {19069, "Hampton"}, {19071, "Sidney"},
    {19073, "Jefferson"}, {19075, "Grundy Center"}, {19077, "Guthrie Center"},
    {19079, "Webster City"}, {19081, "Garner"}, {19083, "Eldora"},
    {19085, "Logan"}, {19087, "Mount Pleasant"}, {19089, "Cresco"},
    {19091, "Dakota City"}, {19093, "Ida Grove"}, {19095, "Marengo"},
    {19097, "Maquoketa"}, {19099, "Newton"}, {19101, "Fairfield"},
    {19103, "Iowa City"}, {19105, "Anamosa"}, {19107, "Sigourney"},
    {19109, "Algona"}, {19111, "Fort Madison"}, {19113, "Cedar Rapids"},
    {19115, "Wapello"}, {19117, "Chariton"}, {19119, "Rock Rapids"},
    {19121, "Winterset"}, {19123, "Oskaloosa"}, {19125, "Knoxville"},
    {19127, "Marshalltown"}, {19129, "Glenwood"}, {19131, "Osage"},
    {19133, "Onawa"}, {19135, "Albia"}, {19137, "Red Oak"},
    {19139, "Muscatine"}, {19141, "Primghar"}, {19143, "Sibley"},
    {19145, "Clarinda"}, {19147, "Emmetsburg"}, {19149, "Le Mars"},
    {19151, "Pocahontas"}, {19153, "Des Moines"}, {19155, "Council Bluffs"},
    {19157, "Montezuma"}, {19159, "Mount Ayr"}, {19161, "Sac City"},
    {19163, "Davenport"}, {19165, "Harlan"}, {19167, "Orange City"},
    {19169, "Nevada"}, {19171, "Toledo"}, {19173, "Bedford"},
    {19175, "Creston"}, {19177, "Keosauqua"}, {19179, "Ottumwa"},
    {19181, "Indianola"}, {19183, "Washington"}, {19185, "Corydon"},
    {19187, "Fort Dodge"}, {19189, "Forest City"}, {19191, "Decorah"},
    {19193, "Sioux City"}, {19195, "Northwood"}, {19197, "Clarion"}};

struct town_def {
    int fips;
    const char *name;
    double weight;
    char style;
};

/* Counties whose city precincts are spread over several towns; the first
 * town listed is numbered first.  Others caucus in their seat only. */
static const struct town_def TOWNS[] = {
    {19153, "Des Moines", 0.48, 'W'}, {19153, "West Des Moines", 0.11, 'P'},
    {19153, "Ankeny", 0.12, 'P'}, {19153, "Urbandale", 0.09, 'P'},
    {19153, "Johnston", 0.05, 'P'}, {19153, "Altoona", 0.05, 'P'},
    {19153, "Clive", 0.04, 'P'}, {19153, "Pleasant Hill", 0.03, 'P'},
    {19153, "Grimes", 0.03, 'P'},
    {19113, "Cedar Rapids", 0.72, 'W'}, {19113, "Marion", 0.20, 'P'},
    {19113, "Hiawatha", 0.05, 'P'}, {19113, "Mount Vernon", 0.03, 'P'},
    {19163, "Davenport", 0.68, 'W'}, {19163, "Bettendorf", 0.26, 'P'},
    {19163, "Eldridge", 0.06, 'P'},
    {19013, "Waterloo", 0.55, 'W'}, {19013, "Cedar Falls", 0.38, 'P'},
    {19013, "Evansdale", 0.07, 'P'},
    {19103, "Iowa City", 0.58, 'P'}, {19103, "Coralville", 0.22, 'P'},
    {19103, "North Liberty", 0.20, 'P'},
    {19169, "Ames", 0.78, 'P'}, {19169, "Nevada", 0.14, 'P'},
    {19169, "Huxley", 0.08, 'P'},
    {19193, "Sioux City", 0.92, 'W'}, {19193, "Sergeant Bluff", 0.08, 'P'},
    {19155, "Council Bluffs", 0.88, 'W'}, {19155, "Carter Lake", 0.06, 'P'},
    {19155, "Avoca", 0.06, 'P'},
    {19061, "Dubuque", 0.90, 'W'}, {19061, "Dyersville", 0.10, 'P'},
    {19049, "Waukee", 0.38, 'P'}, {19049, "Adel", 0.15, 'P'},
    {19049, "Perry", 0.17, 'P'}, {19049, "Dallas Center", 0.10, 'P'},
    {19049, "Granger", 0.12, 'P'}, {19049, "Van Meter", 0.08, 'P'},
    {19181, "Indianola", 0.50, 'P'}, {19181, "Norwalk", 0.38, 'P'},
    {19181, "Carlisle", 0.12, 'P'},
    {19033, "Mason City", 0.78, 'W'}, {19033, "Clear Lake", 0.22, 'P'},
    {19045, "Clinton", 0.80, 'W'}, {19045, "DeWitt", 0.20, 'P'},
    {19187, "Fort Dodge", 1.00, 'W'},
    {19111, "Fort Madison", 0.50, 'P'}, {19111, "Keokuk", 0.50, 'P'},
    {19125, "Pella", 0.55, 'P'}, {19125, "Knoxville", 0.45, 'P'},
    {19167, "Sioux Center", 0.50, 'P'}, {19167, "Orange City", 0.35, 'P'},
    {19167, "Rock Valley", 0.15, 'P'},
    {19057, "Burlington", 0.85, 'W'}, {19057, "West Burlington", 0.15, 'P'},
    {19157, "Grinnell", 0.70, 'P'}, {19157, "Montezuma", 0.30, 'P'},
    {19091, "Humboldt", 0.70, 'P'}, {19091, "Dakota City", 0.30, 'P'},
    {19179, "Ottumwa", 1.00, 'W'}};

/* Counties redistricted in the weeks before the caucus. */
static const int ALIAS_COUNTIES[12] = {19153, 19113, 19163, 19013,
                                       19103, 19169, 19049, 19181,
                                       19155, 19193, 19127, 19187};

/* ------------------------------------------------------------------ */
/* CSV input                                                            */

struct table {
    char *path; /* owned */
    char *buf;
    int ncols, nrows; /* nrows counts data rows, not the header */
    char **cells;     /* (nrows + 1) * ncols, row 0 is the header */
    int *lines;       /* source line of each row, header included */
};

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die_input("%s: cannot read: %s", path, strerror(errno));
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (cap - n < 4096)
            buf = xrealloc(buf, cap = cap * 2 + 8192);
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f))
        die_input("%s: cannot read: %s", path, strerror(errno));
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

struct parser {
    const char *path;
    char *buf;
    size_t len, rp, wp;
    int line;
    char **fields;
    int nfields, cap, *lines;
};

static void push_field(struct parser *ps, char *start, int line)
{
    if (ps->nfields == ps->cap) {
        ps->cap = ps->cap * 2 + 64;
        ps->fields = xrealloc(ps->fields, (size_t)ps->cap * sizeof *ps->fields);
        ps->lines = xrealloc(ps->lines, (size_t)ps->cap * sizeof *ps->lines);
    }
    ps->buf[ps->wp++] = '\0';
    ps->fields[ps->nfields] = start;
    ps->lines[ps->nfields++] = line;
}

/* Copies one field's text in place (quotes removed); stops at its delimiter.
 * Returns the line a quoted field opened on (0 for an unquoted one), since
 * a stray quote is best reported where it started, not where it ran out.
 * A quote opens a quoted field only at the field's start; elsewhere it is
 * text, as in the source notes ("Reporting 99% in") and most CSV readers. */
static int scan_field(struct parser *ps, int col)
{
    char *b = ps->buf;
    int opened = ps->line;
    if (b[ps->rp] != '"') {
        while (ps->rp < ps->len && b[ps->rp] != ',' && b[ps->rp] != '\n' &&
               b[ps->rp] != '\r')
            b[ps->wp++] = b[ps->rp++];
        return 0;
    }
    for (ps->rp++;; ps->rp++) {
        if (ps->rp >= ps->len)
            die_at(ps->path, opened, col, "quoted field never closed");
        if (b[ps->rp] == '"' && b[ps->rp + 1] != '"') {
            ps->rp++;
            return opened;
        }
        if (b[ps->rp] == '"')
            ps->rp++;
        else if (b[ps->rp] == '\n')
            ps->line++;
        b[ps->wp++] = b[ps->rp];
    }
}

/* Parses one record; returns its field count. */
static int scan_record(struct parser *ps)
{
    int line = ps->line;
    for (int col = 1;; col++) {
        char *start = ps->buf + ps->wp;
        int opened = scan_field(ps, col);
        char d = ps->rp < ps->len ? ps->buf[ps->rp] : '\n';
        if (d == '\r' && ps->buf[ps->rp + 1] == '\n')
            d = ps->buf[++ps->rp];
        if (d == '\r')
            die_at(ps->path, ps->line, col, "carriage return without line feed");
        if (d != ',' && d != '\n')
            die_at(ps->path, opened, col, "text after the closing quote of "
                   "the field that opens here");
        ps->rp++;
        push_field(ps, start, line);
        if (d == '\n') {
            ps->line++;
            return col;
        }
    }
}

/* Takes ownership of path, a malloc'd string. */
static void table_load(struct table *t, char *path)
{
    struct parser ps = {.path = path, .line = 1};
    ps.buf = read_file(path, &ps.len);
    if (ps.len >= 3 && !memcmp(ps.buf, "\xEF\xBB\xBF", 3))
        ps.rp = ps.wp = 3;
    if (ps.rp >= ps.len)
        die_at(path, 1, 1, "empty file: no header row");
    t->path = path;
    t->buf = ps.buf;
    t->ncols = scan_record(&ps);
    while (ps.rp < ps.len) {
        int line = ps.line, n = scan_record(&ps);
        if (n != t->ncols)
            die_at(path, line, n < t->ncols ? n + 1 : t->ncols + 1,
                   "expected %d fields, found %d", t->ncols, n);
    }
    t->cells = ps.fields;
    t->nrows = ps.nfields / t->ncols - 1;
    t->lines = xcalloc((size_t)t->nrows + 1, sizeof *t->lines);
    for (int r = 0; r <= t->nrows; r++)
        t->lines[r] = ps.lines[r * t->ncols];
    free(ps.lines);
}

static void table_free(struct table *t)
{
    free(t->path);
    free(t->buf);
    free(t->cells);
    free(t->lines);
}

static int table_col(const struct table *t, const char *name)
{
    for (int i = 0; i < t->ncols; i++)
        if (!strcmp(t->cells[i], name))
            return i;
    die_at(t->path, t->lines[0], t->ncols + 1, "missing column \"%s\"", name);
    return -1;
}

static const char *cell(const struct table *t, int row, int col)
{
    return t->cells[(row + 1) * t->ncols + col];
}

static void bad_cell(const struct table *t, int row, int col, const char *what)
{
    die_at(t->path, t->lines[row + 1], col + 1, "column %s: expected %s, found \"%s\"",
           t->cells[col], what, cell(t, row, col));
}

static long cell_long(const struct table *t, int row, int col, long lo, long hi)
{
    const char *s = cell(t, row, col);
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    int digits = (s[0] >= '0' && s[0] <= '9') ||
                 (s[0] == '-' && s[1] >= '0' && s[1] <= '9');
    if (!digits || *end || errno || v < lo || v > hi) {
        char what[64];
        snprintf(what, sizeof what, "an integer in [%ld, %ld]", lo, hi);
        bad_cell(t, row, col, what);
    }
    return v;
}

static double cell_double(const struct table *t, int row, int col, double lo,
                          double hi)
{
    const char *s = cell(t, row, col);
    char *end;
    double v = strtod(s, &end);
    if (!*s || *end || !(v >= lo && v <= hi))
        bad_cell(t, row, col, "a number in range");
    return v;
}

/* ------------------------------------------------------------------ */
/* Iowa input                                                           */

static int county_index(const struct world *w, int fips)
{
    int lo = 0, hi = w->nc - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (w->c[mid].fips == fips)
            return mid;
        if (w->c[mid].fips < fips)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

/* The county a data row is about; each county must appear exactly once. */
static struct county *row_county(const struct world *w, const struct table *t,
                                 int row, unsigned char *seen)
{
    int col = table_col(t, "fips");
    int i = county_index(w, (int)cell_long(t, row, col, 1000, 99999));
    if (i < 0)
        bad_cell(t, row, col, "a county of iowa_counties_tilegrid.csv");
    if (seen[i]++)
        die_at(t->path, t->lines[row + 1], col + 1, "county %d appears twice",
               w->c[i].fips);
    return &w->c[i];
}

static void check_all_seen(const struct world *w, const struct table *t,
                           const unsigned char *seen)
{
    for (int i = 0; i < w->nc; i++)
        if (!seen[i])
            die_input("%s: no row for county %d (%s)", t->path, w->c[i].fips,
                      w->c[i].name);
}

static int by_fips(const void *a, const void *b)
{
    const struct county *x = a, *y = b;
    return (x->fips > y->fips) - (x->fips < y->fips);
}

static void load_tilegrid(struct world *w, const char *dir)
{
    struct table t;
    table_load(&t, path_join(dir, "iowa_counties_tilegrid.csv"));
    int cf = table_col(&t, "fips"), cn = table_col(&t, "county");
    int cla = table_col(&t, "centroid_lat"), clo = table_col(&t, "centroid_lon");
    int cr = table_col(&t, "tile_row"), cc = table_col(&t, "tile_col");
    w->nc = t.nrows;
    w->c = xcalloc((size_t)t.nrows, sizeof *w->c);
    for (int r = 0; r < t.nrows; r++) {
        struct county *c = &w->c[r];
        c->fips = (int)cell_long(&t, r, cf, 1000, 99999);
        if (!cell(&t, r, cn)[0] || strlen(cell(&t, r, cn)) >= sizeof c->name)
            bad_cell(&t, r, cn, "a county name of 1 to 47 bytes");
        snprintf(c->name, sizeof c->name, "%s", cell(&t, r, cn));
        c->lat = cell_double(&t, r, cla, -90, 90);
        c->lon = cell_double(&t, r, clo, -180, 180);
        c->tile_row = (int)cell_long(&t, r, cr, 0, 99);
        c->tile_col = (int)cell_long(&t, r, cc, 0, 99);
    }
    qsort(w->c, (size_t)w->nc, sizeof *w->c, by_fips);
    for (int i = 1; i < w->nc; i++)
        if (w->c[i].fips == w->c[i - 1].fips)
            die_input("%s: county %d appears twice", t.path, w->c[i].fips);
    if (w->nc == 0)
        die_input("%s: no counties", t.path);
    table_free(&t);
}

static void load_registration(struct world *w, const char *dir)
{
    struct table t;
    table_load(&t, path_join(dir, "ia_voter_registration_by_county_2016-02.csv"));
    int col = table_col(&t, "rep_active");
    unsigned char *seen = xcalloc((size_t)w->nc, 1);
    for (int r = 0; r < t.nrows; r++)
        row_county(w, &t, r, seen)->rep_active =
            cell_long(&t, r, col, 1, 100000000L);
    check_all_seen(w, &t, seen);
    free(seen);
    table_free(&t);
}

static void load_caucus2016(struct world *w, const char *dir)
{
    struct table t;
    table_load(&t, path_join(dir, "ia_gop_caucus_2016_by_county.csv"));
    int cols[N16 - 1], other[5];
    for (int k = 0; k < N16 - 1; k++)
        cols[k] = table_col(&t, CAND16[k]);
    for (int k = 0; k < 5; k++)
        other[k] = table_col(&t, OTHER16[k]);
    unsigned char *seen = xcalloc((size_t)w->nc, 1);
    for (int r = 0; r < t.nrows; r++) {
        struct county *c = row_county(w, &t, r, seen);
        for (int k = 0; k < N16 - 1; k++)
            c->v16[k] = cell_long(&t, r, cols[k], 0, 10000000L);
        c->v16[N16 - 1] = 0;
        for (int k = 0; k < 5; k++)
            c->v16[N16 - 1] += cell_long(&t, r, other[k], 0, 10000000L);
    }
    check_all_seen(w, &t, seen);
    free(seen);
    table_free(&t);
}

/* Caucus precincts per county are not published; the 2016 election
 * precinct counts stand in for them, scaled to the 1,687 of the brief. */
static void load_precinct_counts(struct world *w, const char *dir)
{
    struct table t;
    table_load(&t, path_join(dir, "ia_election_precincts_by_county_PROXY.csv"));
    int col = table_col(&t, "election_precincts_2016_06_primary");
    unsigned char *seen = xcalloc((size_t)w->nc, 1);
    double *wt = xcalloc((size_t)w->nc, sizeof *wt);
    long *n = xcalloc((size_t)w->nc, sizeof *n);
    for (int r = 0; r < t.nrows; r++) {
        struct county *c = row_county(w, &t, r, seen);
        wt[c - w->c] = (double)cell_long(&t, r, col, 1, MAX_PER_COUNTY);
    }
    check_all_seen(w, &t, seen);
    lr_alloc(IOWA_PRECINCTS, wt, w->nc, n);
    clamp_counts(n, w->nc, 1, MAX_PER_COUNTY);
    for (int i = 0; i < w->nc; i++)
        w->c[i].nprec = (int)n[i];
    free(seen);
    free(wt);
    free(n);
    table_free(&t);
}

static void load_statewide2020(struct world *w, const char *dir)
{
    struct table t;
    table_load(&t, path_join(dir, "ia_gop_caucus_statewide_2016_2020.csv"));
    int cy = table_col(&t, "year"), cs = table_col(&t, "result_set");
    int cc = table_col(&t, "candidate"), cv = table_col(&t, "votes");
    int found[N20] = {0}, total_row = -1;
    for (int r = 0; r < t.nrows; r++) {
        if (strcmp(cell(&t, r, cy), "2020") ||
            strcmp(cell(&t, r, cs), "ap_99pct_reporting"))
            continue;
        if (!strcmp(cell(&t, r, cc), "TOTAL"))
            total_row = r;
        for (int k = 0; k < N20; k++)
            if (!strcmp(cell(&t, r, cc), NAME20[k])) {
                if (found[k]++)
                    die_at(t.path, t.lines[r + 1], cc + 1, "%s appears twice",
                           NAME20[k]);
                w->st20[k] = cell_long(&t, r, cv, 0, 10000000L);
            }
    }
    long sum = 0;
    for (int k = 0; k < N20; k++) {
        if (!found[k])
            die_input("%s: no 2020 ap_99pct_reporting row for \"%s\"", t.path,
                      NAME20[k]);
        sum += w->st20[k];
    }
    if (total_row >= 0 && cell_long(&t, total_row, cv, 0, 10000000L) != sum)
        die_at(t.path, t.lines[total_row + 1], cv + 1,
               "2020 TOTAL is not the sum of the candidate rows (%ld)", sum);
    table_free(&t);
}

/* Up to five upper-case letters of the name; three Iowa names need a
 * hand-made form to stay readable or unique on the tile map. */
static void iowa_short_name(struct county *c)
{
    static const struct seat fixed[] = {
        {19013, "BLKHK"}, {19189, "WINBG"}, {19191, "WINSH"}};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (fixed[i].fips == c->fips) {
            snprintf(c->short_name, sizeof c->short_name, "%s", fixed[i].seat);
            return;
        }
    int k = 0;
    for (const char *s = c->name; *s && k < 5; s++)
        if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))
            c->short_name[k++] = upper(*s);
    c->short_name[k] = '\0';
}

static void iowa_towns(struct county *c)
{
    for (size_t i = 0; i < sizeof TOWNS / sizeof TOWNS[0]; i++)
        if (TOWNS[i].fips == c->fips && c->ntowns < MAX_TOWNS)
            c->towns[c->ntowns++] = (struct town){
                TOWNS[i].name, TOWNS[i].weight, TOWNS[i].style, 0, 0, 0};
    if (c->ntowns)
        return;
    const char *seat = c->name; /* a county missing from SEATS still works */
    for (size_t i = 0; i < sizeof SEATS / sizeof SEATS[0]; i++)
        if (SEATS[i].fips == c->fips)
            seat = SEATS[i].seat;
    c->towns[c->ntowns++] = (struct town){seat, 1.0, 'P', 0, 0, 0};
}

static void check_short_names(const struct world *w)
{
    for (int i = 0; i < w->nc; i++)
        for (int j = 0; j < i; j++)
            if (!strcmp(w->c[i].short_name, w->c[j].short_name))
                die_internal("short name %s used by %s and %s",
                             w->c[i].short_name, w->c[j].name, w->c[i].name);
}

static void load_iowa(struct world *w, const char *dir)
{
    load_tilegrid(w, dir);
    load_registration(w, dir);
    load_caucus2016(w, dir);
    load_precinct_counts(w, dir);
    load_statewide2020(w, dir);
    for (int i = 0; i < w->nc; i++) {
        iowa_short_name(&w->c[i]);
        iowa_towns(&w->c[i]);
    }
    check_short_names(w);
    for (int k = 0; k < 12; k++) {
        int i = county_index(w, ALIAS_COUNTIES[k]);
        if (i < 0)
            die_input("%s: county %d is missing", dir, ALIAS_COUNTIES[k]);
    }
}

/* Spreads IOWA_ALIAS_ROWS over the redistricted counties by size. */
static void iowa_alias_targets(struct world *w)
{
    double wt[12];
    long n[12];
    for (int k = 0; k < 12; k++)
        wt[k] = w->c[county_index(w, ALIAS_COUNTIES[k])].nprec;
    lr_alloc(IOWA_ALIAS_ROWS, wt, 12, n);
    for (int k = 0; k < 12; k++) {
        struct county *c = &w->c[county_index(w, ALIAS_COUNTIES[k])];
        c->aliases = (int)(n[k] < MAX_ALIASES ? n[k] : MAX_ALIASES);
    }
}

/* ------------------------------------------------------------------ */
/* National synthetic counties                                          */

struct state {
    int fips;
    const char *abbr;
    int counties;
    double lat, lon;
};

/* Real state FIPS codes and county counts, approximate centres. */
static const struct state STATES[50] = {
    {1, "AL", 67, 32.8, -86.8}, {2, "AK", 30, 64.0, -152.0},
    {4, "AZ", 15, 34.3, -111.7}, {5, "AR", 75, 34.9, -92.4},
    {6, "CA", 58, 37.2, -119.5}, {8, "CO", 64, 39.0, -105.5},
    {9, "CT", 8, 41.6, -72.7}, {10, "DE", 3, 39.0, -75.5},
    {12, "FL", 67, 28.6, -82.4}, {13, "GA", 159, 32.7, -83.4},
    {15, "HI", 5, 20.8, -156.3}, {16, "ID", 44, 44.4, -114.6},
    {17, "IL", 102, 40.0, -89.2}, {18, "IN", 92, 39.9, -86.3},
    {19, "IA", 99, 42.1, -93.5}, {20, "KS", 105, 38.5, -98.4},
    {21, "KY", 120, 37.5, -85.3}, {22, "LA", 64, 31.1, -92.0},
    {23, "ME", 16, 45.4, -69.2}, {24, "MD", 24, 39.0, -76.8},
    {25, "MA", 14, 42.3, -71.8}, {26, "MI", 83, 44.3, -85.4},
    {27, "MN", 87, 46.3, -94.3}, {28, "MS", 82, 32.7, -89.7},
    {29, "MO", 115, 38.4, -92.5}, {30, "MT", 56, 47.0, -109.6},
    {31, "NE", 93, 41.5, -99.8}, {32, "NV", 17, 39.3, -116.6},
    {33, "NH", 10, 43.7, -71.6}, {34, "NJ", 21, 40.2, -74.7},
    {35, "NM", 33, 34.4, -106.1}, {36, "NY", 62, 42.9, -75.5},
    {37, "NC", 100, 35.6, -79.4}, {38, "ND", 53, 47.5, -100.5},
    {39, "OH", 88, 40.3, -82.8}, {40, "OK", 77, 35.6, -97.5},
    {41, "OR", 36, 43.9, -120.6}, {42, "PA", 67, 40.9, -77.8},
    {44, "RI", 5, 41.7, -71.5}, {45, "SC", 46, 33.9, -80.9},
    {46, "SD", 66, 44.4, -100.2}, {47, "TN", 95, 35.9, -86.4},
    {48, "TX", 254, 31.5, -99.3}, {49, "UT", 29, 39.3, -111.7},
    {50, "VT", 14, 44.1, -72.7}, {51, "VA", 133, 37.5, -78.8},
    {53, "WA", 39, 47.4, -120.5}, {54, "WV", 55, 38.6, -80.6},
    {55, "WI", 72, 44.6, -89.9}, {56, "WY", 23, 43.0, -107.5}};

static const char *const COUNTY_NAMES[] = {
    "Washington", "Franklin", "Jefferson", "Lincoln", "Jackson", "Madison",
    "Clay", "Montgomery", "Marion", "Greene", "Union", "Monroe", "Warren",
    "Wayne", "Polk", "Grant", "Lee", "Hamilton", "Adams", "Carroll", "Clark",
    "Marshall", "Morgan", "Johnson", "Lake", "Douglas", "Fayette", "Perry",
    "Shelby", "Scott", "Henry", "Putnam", "Lawrence", "Calhoun", "Benton",
    "Boone", "Brown", "Butler", "Crawford", "Decatur", "Harrison", "Knox",
    "Logan", "Mercer", "Pike", "Randolph", "Sullivan", "Taylor", "Wilson",
    "Cass", "Cherokee", "Dallas", "Fulton", "Hancock", "Houston", "Jasper",
    "Mason", "Mitchell", "Newton", "Orange"};
#define NCOUNTY_NAMES ((int)(sizeof COUNTY_NAMES / sizeof COUNTY_NAMES[0]))
static const char *const NAME_PREFIX[] = {"", "North ", "South ", "East ",
                                          "West ", "Upper ", "Lower "};

static const char *const SEAT_NAMES[] = {
    "Springfield", "Franklin", "Greenville", "Fairview", "Salem", "Madison",
    "Georgetown", "Arlington", "Ashland", "Dover", "Oxford", "Milton",
    "Newport", "Riverside", "Centerville", "Clinton", "Marion", "Jackson",
    "Bristol", "Chester", "Clayton", "Dayton", "Lexington", "Milford",
    "Mount Vernon", "Oakland", "Plainview", "Princeton", "Winchester",
    "Lebanon", "Auburn", "Hudson", "Kingston", "Troy", "Burlington"};
#define NSEAT_NAMES ((int)(sizeof SEAT_NAMES / sizeof SEAT_NAMES[0]))

static void nat_county_votes(struct county *c, struct wr_rng *r)
{
    double alpha[N16], share[N16], sum = 0.0;
    for (int k = 0; k < N16; k++)
        sum += SHARE16[k];
    for (int k = 0; k < N16; k++)
        alpha[k] = 80.0 * SHARE16[k] / sum;
    dirichlet(r, alpha, N16, share);
    long total = lround((double)c->rep_active * uniform_in(r, 0.22, 0.36));
    lr_alloc(total, share, N16, c->v16);
}

static void nat_county(struct county *c, const struct state *st, int k,
                       const int *perm, struct wr_rng *r)
{
    c->fips = st->fips * 1000 + 2 * k + 1;
    /* County names repeat across states; a store holds one state's list,
     * where names must be unique, so the synthetic set carries the state. */
    snprintf(c->name, sizeof c->name, "%s%s, %.2s",
             NAME_PREFIX[k / NCOUNTY_NAMES], COUNTY_NAMES[perm[k % NCOUNTY_NAMES]],
             st->abbr);
    snprintf(c->short_name, sizeof c->short_name, "%.2s%03d", st->abbr,
             (k + 1) % 1000);
    c->tile_row = c->tile_col = -1;
    double spread = fmin(4.0, 0.25 * sqrt((double)st->counties));
    c->lat = st->lat + spread * uniform_in(r, -1.0, 1.0);
    c->lon = st->lon + 1.3 * spread * uniform_in(r, -1.0, 1.0);
    c->rep_active = 200 + lround(fmin(2e6, exp(log(7000.0) + wr_rng_normal(r))));
    nat_county_votes(c, r);
    c->towns[0] = (struct town){SEAT_NAMES[wr_rng_below(r, NSEAT_NAMES)], 1.0,
                                wr_rng_below(r, 2) ? 'W' : 'P', 0, 0, 0};
    c->ntowns = 1;
}

static void shuffle(int *v, int n, struct wr_rng *r)
{
    for (int i = n - 1; i > 0; i--) {
        int j = (int)wr_rng_below(r, (uint64_t)i + 1), t = v[i];
        v[i] = v[j];
        v[j] = t;
    }
}

static void nat_precinct_counts(struct world *w, long precincts)
{
    double *wt = xcalloc((size_t)w->nc, sizeof *wt);
    long *n = xcalloc((size_t)w->nc, sizeof *n);
    for (int i = 0; i < w->nc; i++)
        wt[i] = (double)w->c[i].rep_active;
    lr_alloc(precincts, wt, w->nc, n);
    clamp_counts(n, w->nc, 1, MAX_PER_COUNTY);
    for (int i = 0; i < w->nc; i++) {
        struct county *c = &w->c[i];
        c->nprec = (int)n[i];
        /* a quarter of the counties were redistricted: about 10% of rows */
        if (i % 4 == 0 && c->nprec >= 3 && c->nprec < 500)
            c->aliases = (int)fmin(MAX_ALIASES, lround(0.4 * c->nprec));
    }
    free(wt);
    free(n);
}

static void nat_statewide2020(struct world *w)
{
    long t16 = 0;
    for (int i = 0; i < w->nc; i++)
        for (int k = 0; k < N16; k++)
            t16 += w->c[i].v16[k];
    /* Iowa's 2020 caucus drew 32,389 against 186,874 in 2016. */
    long t20 = lround((double)t16 * 32389.0 / 186874.0);
    lr_alloc(t20, SHARE20, N20, w->st20);
}

static int national_counties(void)
{
    int n = 0;
    for (int s = 0; s < 50; s++)
        n += STATES[s].counties;
    return n;
}

static void synth_national(struct world *w, long precincts)
{
    struct wr_rng r;
    int perm[NCOUNTY_NAMES];
    stream(&r, w, ST_COUNTIES);
    w->nc = national_counties();
    if (precincts < w->nc || precincts > 1000000L)
        die_internal("--precincts out of range");
    w->c = xcalloc((size_t)w->nc, sizeof *w->c);
    for (int s = 0, i = 0; s < 50; s++) {
        for (int k = 0; k < NCOUNTY_NAMES; k++)
            perm[k] = k;
        shuffle(perm, NCOUNTY_NAMES, &r);
        for (int k = 0; k < STATES[s].counties; k++)
            nat_county(&w->c[i++], &STATES[s], k, perm, &r);
    }
    nat_precinct_counts(w, precincts);
    nat_statewide2020(w);
}

/* ------------------------------------------------------------------ */
/* Precinct lines and names                                             */

/* Rural counties caucus mostly by township, metro counties mostly in city
 * precincts: the city share grows with the log of the precinct count. */
static int city_count(int n, int max_rural)
{
    double x = (log((double)n) - log(10.0)) / (log(150.0) - log(10.0));
    x = x < 0.0 ? 0.0 : x > 1.0 ? 1.0 : x;
    int c = (int)lround(n * (0.30 + 0.55 * x));
    if (c < 1)
        c = 1;
    return n - c > max_rural ? n - max_rural : c;
}

/* Each town gets one precinct before the rest are spread by weight. */
static void split_city(struct county *c, int ncity)
{
    if (ncity < c->ntowns) {
        for (int t = 0; t < c->ntowns; t++)
            c->towns[t].nprec = t < ncity ? 1 : 0;
        return;
    }
    double wt[MAX_TOWNS];
    long n[MAX_TOWNS];
    for (int t = 0; t < c->ntowns; t++)
        wt[t] = c->towns[t].weight;
    lr_alloc(ncity - c->ntowns, wt, c->ntowns, n);
    for (int t = 0; t < c->ntowns; t++)
        c->towns[t].nprec = (int)n[t] + 1;
}

/* Ward-precinct numbering keeps at most eight precincts to a ward, so a
 * name like "3-12" (which strips to the same text as "31-2") never occurs. */
static void name_town_precinct(struct precinct *p, const struct town *t, int i)
{
    p->ward = 0;
    p->wnum = i + 1;
    if (t->style == 'S') {
        snprintf(p->name, NAME_LEN, "%s", t->name);
    } else if (t->style == 'P') {
        snprintf(p->name, NAME_LEN, "%s Precinct %d", t->name, i + 1);
    } else {
        int base = t->nprec / t->wards, extra = t->nprec % t->wards;
        for (int wd = 0;; wd++) {
            int size = base + (wd < extra);
            if (i < size) {
                p->ward = wd + 1;
                p->wnum = i + 1;
                break;
            }
            i -= size;
        }
        snprintf(p->name, NAME_LEN, "%s %d-%d", t->name, p->ward, p->wnum);
    }
}

static int twp_by_name(const void *a, const void *b)
{
    return strcmp(TOWNSHIPS[*(const int *)a], TOWNSHIPS[*(const int *)b]);
}

static void layout_towns(struct world *w, struct county *c, int *next)
{
    for (int t = 0; t < c->ntowns; t++) {
        struct town *tw = &c->towns[t];
        tw->first = *next;
        if (tw->nprec == 1)
            tw->style = 'S';
        else if (tw->style == 'W' && tw->nprec < 10)
            tw->style = 'P';
        tw->wards = (tw->nprec + 7) / 8;
        for (int i = 0; i < tw->nprec; i++) {
            struct precinct *p = &w->p[(*next)++];
            p->town = t;
            name_town_precinct(p, tw, i);
        }
    }
}

static void layout_townships(struct world *w, int nrural,
                             int *next, struct wr_rng *r)
{
    int pick[NTWP];
    for (int k = 0; k < NTWP; k++)
        pick[k] = k;
    shuffle(pick, NTWP, r);
    qsort(pick, (size_t)nrural, sizeof *pick, twp_by_name);
    for (int k = 0; k < nrural; k++) {
        struct precinct *p = &w->p[(*next)++];
        p->town = -1;
        p->twp = pick[k];
        snprintf(p->name, NAME_LEN, "%s Township", TOWNSHIPS[pick[k]]);
    }
}

static void layout_precincts(struct world *w)
{
    struct wr_rng r;
    stream(&r, w, ST_NAMES);
    w->np = 0;
    for (int i = 0; i < w->nc; i++)
        w->np += w->c[i].nprec;
    w->p = xcalloc((size_t)w->np, sizeof *w->p);
    for (int i = 0, next = 0; i < w->nc; i++) {
        struct county *c = &w->c[i];
        int ncity = city_count(c->nprec, w->max_rural);
        c->first = next;
        split_city(c, ncity);
        layout_towns(w, c, &next);
        layout_townships(w, c->nprec - ncity, &next, &r);
        for (int k = 0; k < c->nprec; k++) {
            w->p[c->first + k].county = i;
            w->p[c->first + k].num = k + 1;
        }
    }
}

static int strptr_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Current names must stay distinct after normalising, or a hotline name
 * could resolve to two precincts. */
static void check_current_names(const struct world *w)
{
    char (*norm)[NAME_LEN + 16] = xcalloc(MAX_PER_COUNTY, sizeof *norm);
    char **ptr = xcalloc(MAX_PER_COUNTY, sizeof *ptr);
    for (int i = 0; i < w->nc; i++) {
        const struct county *c = &w->c[i];
        for (int mode = 0; mode < 2; mode++) {
            for (int k = 0; k < c->nprec; k++) {
                normalise(w->p[c->first + k].name, mode, norm[k], sizeof norm[k]);
                ptr[k] = norm[k];
            }
            qsort(ptr, (size_t)c->nprec, sizeof *ptr, strptr_cmp);
            for (int k = 1; k < c->nprec; k++)
                if (!strcmp(ptr[k], ptr[k - 1]))
                    die_internal("county %d: two precincts normalise to \"%s\"",
                                 c->fips, ptr[k]);
        }
    }
    free(norm);
    free(ptr);
}

/* ------------------------------------------------------------------ */
/* Registration                                                         */

/* City precincts are drawn larger than township ones; jitter keeps them
 * from looking planned.  The split is exact to the county figure. */
static void assign_registration(struct world *w)
{
    struct wr_rng r;
    double *wt = xcalloc(MAX_PER_COUNTY, sizeof *wt);
    long *v = xcalloc(MAX_PER_COUNTY, sizeof *v);
    stream(&r, w, ST_REG);
    for (int i = 0; i < w->nc; i++) {
        struct county *c = &w->c[i];
        for (int k = 0; k < c->nprec; k++)
            wt[k] = (w->p[c->first + k].town >= 0 ? 1.4 : 0.75) * jitter(&r, 0.35);
        lr_alloc(c->rep_active, wt, c->nprec, v);
        long lo = c->rep_active / c->nprec < 20 ? c->rep_active / c->nprec : 20;
        clamp_counts(v, c->nprec, lo, c->rep_active);
        for (int k = 0; k < c->nprec; k++)
            w->p[c->first + k].reg = v[k];
    }
    free(wt);
    free(v);
}

/* ------------------------------------------------------------------ */
/* Sites                                                                */

/* Share of new city sites that are super sites (four or more precincts in
 * one room): only counties big enough to need them. */
static double super_share(int nprec)
{
    return nprec >= 100 ? 0.35 : nprec >= 40 ? 0.28 : nprec >= 20 ? 0.15 : 0.0;
}

static int site_size(struct wr_rng *r, int remaining, double p_super, int rural)
{
    int size;
    double u = wr_rng_uniform(r);
    if (!rural && remaining >= 4 && wr_rng_uniform(r) < p_super)
        size = 4 + (int)wr_rng_below(r, 6);
    else if (rural)
        size = u < 0.6 ? 1 : u < 0.9 ? 2 : 3;
    else
        size = u < 0.45 ? 1 : u < 0.80 ? 2 : 3;
    return size < remaining ? size : remaining;
}

static int site_name_taken(const struct world *w, int from, const char *name)
{
    for (int s = from; s < w->ns; s++)
        if (!strcmp(w->s[s].name, name))
            return 1;
    return 0;
}

/* A room for `size` precincts starting at p[first]; county_first is the
 * county's first site, so names are unique within the county. */
static void add_site(struct world *w, int county_first, int first, int size,
                     struct wr_rng *r)
{
    const struct county *c = &w->c[w->p[first].county];
    const struct precinct *p = &w->p[first];
    struct site *s = &w->s[w->ns];
    char name[SITE_LEN];
    /* Townships meet in their hall; now and then at the county fairgrounds. */
    int idx = p->town >= 0 ? (size >= 3 ? 0 : (int)wr_rng_below(r, 4))
                           : (wr_rng_uniform(r) < 0.15 ? 0 : -1);
    for (;; idx++) {
        if (p->town < 0 && idx < 0)
            snprintf(name, sizeof name, "%s Township Hall", TOWNSHIPS[p->twp]);
        else if (p->town < 0 && idx == 0)
            snprintf(name, sizeof name, "%s County Fairgrounds", c->name);
        else if (p->town < 0)
            venue_name(name, c->towns[0].name, 0, idx - 1);
        else
            venue_name(name, c->towns[p->town].name, size >= 3, idx);
        if (!site_name_taken(w, county_first, name))
            break;
    }
    s->county = p->county;
    s->num = w->ns - county_first + 1;
    s->size = size;
    snprintf(s->name, SITE_LEN, "%s", name);
    for (int k = 0; k < size; k++)
        w->p[first + k].site = w->ns;
    w->ns++;
}

/* Consecutive precincts of one town (or of the townships) share rooms. */
static void site_group(struct world *w, int county_first, int first, int n,
                       double p_super, struct wr_rng *r)
{
    int rural = w->p[first].town < 0;
    while (n > 0) {
        int size = site_size(r, n, p_super, rural);
        add_site(w, county_first, first, size, r);
        first += size;
        n -= size;
    }
}

static void build_sites(struct world *w)
{
    struct wr_rng r;
    stream(&r, w, ST_SITES);
    w->s = xcalloc((size_t)w->np, sizeof *w->s);
    w->ns = 0;
    for (int i = 0; i < w->nc; i++) {
        const struct county *c = &w->c[i];
        int county_first = w->ns, done = 0;
        for (int t = 0; t < c->ntowns; t++) {
            if (c->towns[t].nprec > 0)
                site_group(w, county_first, c->towns[t].first,
                           c->towns[t].nprec, super_share(c->nprec), &r);
            done += c->towns[t].nprec;
        }
        if (done < c->nprec)
            site_group(w, county_first, c->first + done, c->nprec - done, 0.0,
                       &r);
    }
}

/* ------------------------------------------------------------------ */
/* Baselines                                                            */

static long precinct_total16(const struct precinct *p)
{
    long t = 0;
    for (int k = 0; k < N16; k++)
        t += p->b16[k];
    return t;
}

/* Jittered weights can push a small precinct past a believable turnout;
 * whole votes move to the precinct of the same county with the most room,
 * which keeps every county and candidate sum as it was. */
static void repair_turnout(struct world *w, const struct county *c)
{
    struct precinct *p = &w->p[c->first];
    for (int i = 0; i < c->nprec; i++) {
        long excess;
        while ((excess = precinct_total16(&p[i]) -
                         (long)(TURNOUT_CAP * (double)p[i].reg)) > 0) {
            int k = 0, j = -1;
            long room = 0;
            for (int q = 1; q < N16; q++)
                if (p[i].b16[q] > p[i].b16[k])
                    k = q;
            for (int q = 0; q < c->nprec; q++) {
                long rq = (long)(TURNOUT_CAP * (double)p[q].reg) -
                          precinct_total16(&p[q]);
                if (rq > room)
                    room = rq, j = q;
            }
            if (j < 0)
                die_internal("county %d: 2016 votes exceed %.0f%% of "
                             "registration", c->fips, TURNOUT_CAP * 100);
            long move = excess < room ? excess : room;
            move = move < p[i].b16[k] ? move : p[i].b16[k];
            p[i].b16[k] -= move;
            p[j].b16[k] += move;
        }
    }
}

/* Each candidate gets its own jitter on top of a precinct turnout weight,
 * so shares vary a little from precinct to precinct. */
static void baselines_2016(struct world *w)
{
    struct wr_rng r;
    double *tw = xcalloc(MAX_PER_COUNTY, sizeof *tw);
    double *wt = xcalloc(MAX_PER_COUNTY, sizeof *wt);
    long *v = xcalloc(MAX_PER_COUNTY, sizeof *v);
    stream(&r, w, ST_B16);
    for (int i = 0; i < w->nc; i++) {
        struct county *c = &w->c[i];
        for (int q = 0; q < c->nprec; q++)
            tw[q] = (double)w->p[c->first + q].reg * jitter(&r, 0.15);
        for (int k = 0; k < N16; k++) {
            for (int q = 0; q < c->nprec; q++)
                wt[q] = tw[q] * jitter(&r, 0.25);
            lr_alloc(c->v16[k], wt, c->nprec, v);
            for (int q = 0; q < c->nprec; q++)
                w->p[c->first + q].b16[k] = v[q];
        }
        repair_turnout(w, c);
    }
    free(tw);
    free(wt);
    free(v);
}

/* No county 2020 figures exist: the statewide totals are spread over
 * counties by a blend of 2016 turnout and registration. */
static void county_2020(struct world *w, struct wr_rng *r)
{
    double t16 = 0.0, reg = 0.0;
    double *cw = xcalloc((size_t)w->nc, sizeof *cw);
    double *wt = xcalloc((size_t)w->nc, sizeof *wt);
    long *v = xcalloc((size_t)w->nc, sizeof *v);
    for (int i = 0; i < w->nc; i++) {
        for (int k = 0; k < N16; k++)
            t16 += (double)w->c[i].v16[k];
        reg += (double)w->c[i].rep_active;
    }
    for (int i = 0; i < w->nc; i++) {
        double c16 = 0.0;
        for (int k = 0; k < N16; k++)
            c16 += (double)w->c[i].v16[k];
        cw[i] = 0.75 * c16 / t16 + 0.25 * (double)w->c[i].rep_active / reg;
    }
    for (int k = 0; k < N20; k++) {
        for (int i = 0; i < w->nc; i++)
            wt[i] = cw[i] * jitter(r, 0.2);
        lr_alloc(w->st20[k], wt, w->nc, v);
        for (int i = 0; i < w->nc; i++)
            w->c[i].v20[k] = v[i];
    }
    free(cw);
    free(wt);
    free(v);
}

static void baselines_2020(struct world *w)
{
    struct wr_rng r;
    double *wt = xcalloc(MAX_PER_COUNTY, sizeof *wt);
    long *v = xcalloc(MAX_PER_COUNTY, sizeof *v);
    stream(&r, w, ST_B20);
    county_2020(w, &r);
    for (int i = 0; i < w->nc; i++) {
        struct county *c = &w->c[i];
        for (int k = 0; k < N20; k++) {
            for (int q = 0; q < c->nprec; q++)
                wt[q] = (double)(precinct_total16(&w->p[c->first + q]) + 1) *
                        jitter(&r, 0.2);
            lr_alloc(c->v20[k], wt, c->nprec, v);
            for (int q = 0; q < c->nprec; q++)
                w->p[c->first + q].b20[k] = v[q];
        }
    }
    free(wt);
    free(v);
}

/* ------------------------------------------------------------------ */
/* Redistricting aliases                                                */

struct namecheck {
    int n, cap;
    char (*norm)[2][NAME_LEN + 16];
};

static void nc_add(struct namecheck *nc, const char *name)
{
    if (nc->n == nc->cap) {
        nc->cap = nc->cap * 2 + 64;
        nc->norm = xrealloc(nc->norm, (size_t)nc->cap * sizeof *nc->norm);
    }
    for (int mode = 0; mode < 2; mode++)
        normalise(name, mode, nc->norm[nc->n][mode], sizeof nc->norm[0][0]);
    nc->n++;
}

static int nc_taken(const struct namecheck *nc, const char *name)
{
    char tmp[NAME_LEN + 16];
    for (int mode = 0; mode < 2; mode++) {
        normalise(name, mode, tmp, sizeof tmp);
        for (int i = 0; i < nc->n; i++)
            if (!strcmp(nc->norm[i][mode], tmp))
                return 1;
    }
    return 0;
}

/* Forms an operator or caller may still use for an old precinct: the
 * plain name, or "No. 4", "#4", other case, a doubled space. */
static int pick_variant(struct wr_rng *r)
{
    return wr_rng_uniform(r) < 0.35 ? 0 : 1 + (int)wr_rng_below(r, 5);
}

static void case_variant(char *s, int variant)
{
    for (; *s; s++)
        *s = variant == 3 ? lower(*s) : upper(*s);
}

static void double_space(char *s, size_t cap)
{
    char *sp = strchr(s, ' ');
    if (sp && strlen(s) + 2 < cap) {
        memmove(sp + 1, sp, strlen(sp) + 1);
    }
}

static void old_town_name(char *out, size_t cap, const struct town *t,
                          int ward, int num, int variant)
{
    if (t->style == 'W' && variant == 1)
        snprintf(out, cap, "%s Ward %d No. %d", t->name, ward, num);
    else if (t->style == 'W' && variant == 2)
        snprintf(out, cap, "%s Ward %d #%d", t->name, ward, num);
    else if (t->style == 'W')
        snprintf(out, cap, "%s %d-%d", t->name, ward, num);
    else if (variant == 1)
        snprintf(out, cap, "%s Precinct No. %d", t->name, num);
    else if (variant == 2)
        snprintf(out, cap, "%s Precinct #%d", t->name, num);
    else
        snprintf(out, cap, "%s Precinct %d", t->name, num);
    if (variant == 3 || variant == 4)
        case_variant(out, variant);
    else if (variant == 5)
        double_space(out, cap);
}

static void old_twp_name(char *out, size_t cap, const char *twp, int num,
                         int variant)
{
    static const char *const suffix[] = {"Township", "Twp", "Twp.",
                                         "township", "TWP", "Township"};
    if (num > 0)
        snprintf(out, cap, "%s %s %s%d", twp, suffix[variant],
                 variant == 2 ? "#" : "No. ", num);
    else
        snprintf(out, cap, "%s %s", twp, suffix[variant]);
    if (variant == 3)
        case_variant(out, 3);
    else if (variant == 5)
        double_space(out, cap);
}

/* Townships of the county that no current precinct is named after. */
static int spare_townships(const struct world *w, const struct county *c,
                           int *spare, struct wr_rng *r)
{
    unsigned char used[NTWP] = {0};
    int n = 0;
    for (int k = 0; k < c->nprec; k++)
        if (w->p[c->first + k].town < 0)
            used[w->p[c->first + k].twp] = 1;
    for (int t = 0; t < NTWP; t++)
        if (!used[t])
            spare[n++] = t;
    shuffle(spare, n, r);
    return n;
}

struct alias_state {
    struct namecheck taken;
    int spare[NTWP], nspare, next_spare;
    int next_num[MAX_TOWNS], twp_num;
};

/* Old name for a city precinct: a number past the current ones, since
 * redistricting renumbered the town. */
static void old_city(const struct county *c,
                     const struct precinct *p, struct alias_state *as,
                     struct wr_rng *r, char *out, size_t cap)
{
    const struct town *t = &c->towns[p->town];
    int variant = pick_variant(r);
    for (int tries = 0;; tries++) {
        int num = as->next_num[p->town]++;
        old_town_name(out, cap, t, p->ward ? p->ward : 1, num, variant);
        if (!nc_taken(&as->taken, out))
            return;
        if (tries > 1000)
            die_internal("county %d: no free old name for %s", c->fips, p->name);
    }
}

/* Old name for a township precinct: a township merged into it, or once the
 * spare names run out the township's own old number. */
static void old_rural(const struct county *c, const struct precinct *p,
                      struct alias_state *as, struct wr_rng *r, char *out,
                      size_t cap)
{
    int variant = pick_variant(r);
    for (int tries = 0;; tries++) {
        if (as->next_spare < as->nspare)
            old_twp_name(out, cap, TOWNSHIPS[as->spare[as->next_spare++]], 0,
                         variant);
        else
            old_twp_name(out, cap, TOWNSHIPS[p->twp], ++as->twp_num + 1,
                         variant);
        if (!nc_taken(&as->taken, out))
            return;
        if (tries > 1000)
            die_internal("county %d: no free old name for %s", c->fips, p->name);
    }
}

static int int_cmp(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Which current precincts the old ones became: mostly one-to-one, about
 * one in six a second old precinct merged into an already chosen one. */
static int pick_targets(const struct county *c, int *target, struct wr_rng *r)
{
    int k = c->aliases < c->nprec ? c->aliases : c->nprec - 1;
    int m = k - k / 6;
    int *idx = xcalloc((size_t)c->nprec, sizeof *idx);
    for (int i = 0; i < c->nprec; i++)
        idx[i] = i;
    shuffle(idx, c->nprec, r);
    for (int i = 0; i < k; i++)
        target[i] = i < m ? idx[i] : idx[wr_rng_below(r, (uint64_t)m)];
    qsort(target, (size_t)k, sizeof *target, int_cmp);
    free(idx);
    return k;
}

static void alias_county(struct world *w, struct county *c, struct wr_rng *r)
{
    struct alias_state as = {0};
    int target[MAX_ALIASES];
    if (c->nprec > 500 || c->aliases > MAX_ALIASES)
        die_internal("county %d: old codes 501.. would clash", c->fips);
    int k = pick_targets(c, target, r);
    for (int q = 0; q < c->nprec; q++)
        nc_add(&as.taken, w->p[c->first + q].name);
    for (int t = 0; t < c->ntowns; t++) /* past any current number */
        as.next_num[t] = c->towns[t].style == 'W' ? 9 : c->towns[t].nprec + 1;
    as.nspare = spare_townships(w, c, as.spare, r);
    for (int j = 0; j < k; j++) {
        struct alias *a = &w->a[w->na++];
        const struct precinct *p = &w->p[c->first + target[j]];
        a->county = (int)(c - w->c);
        a->old_num = 501 + j;
        a->precinct = c->first + target[j];
        if (p->town >= 0)
            old_city(c, p, &as, r, a->old_name, sizeof a->old_name);
        else
            old_rural(c, p, &as, r, a->old_name, sizeof a->old_name);
        nc_add(&as.taken, a->old_name);
    }
    free(as.taken.norm);
}

static void build_aliases(struct world *w)
{
    struct wr_rng r;
    int total = 0;
    stream(&r, w, ST_ALIASES);
    for (int i = 0; i < w->nc; i++)
        total += w->c[i].aliases;
    w->a = xcalloc((size_t)total, sizeof *w->a);
    w->na = 0;
    for (int i = 0; i < w->nc; i++)
        if (w->c[i].aliases > 0)
            alias_county(w, &w->c[i], &r);
}

/* ------------------------------------------------------------------ */
/* Sample night                                                         */

struct report {
    int precinct, secs, hotline, by_name;
    unsigned device;
    long votes[N24], total;
    char name[NAME_LEN + 8];
};

/* A 24-bit bijection of the precinct index: every app reporter has its
 * own device, so device-burst rules stay quiet on the clean night. */
static unsigned device_id(unsigned i, uint64_t seed)
{
    uint64_t x = (i ^ (unsigned)(seed * 0x2545f491u)) & 0xffffffu;
    x = (x * 0x9e3779u) & 0xffffffu;
    x ^= x >> 11;
    x = (x * 0x5bd1e5u) & 0xffffffu;
    x ^= x >> 13;
    return (unsigned)x;
}

static void night_votes(struct report *rep, const struct precinct *p,
                        const double *county_share, struct wr_rng *r)
{
    double alpha[N24], share[N24];
    for (int k = 0; k < N24; k++)
        alpha[k] = 120.0 * county_share[k];
    dirichlet(r, alpha, N24, share);
    rep->total = lround((double)p->reg * uniform_in(r, 0.18, 0.32));
    lr_alloc(rep->total, share, N24, rep->votes);
}

/* Hotline callers give a name rather than a code now and then, in the
 * spelling they would say it: other case, "Twp", a doubled space. */
static void spoken_name(char *out, size_t cap, const char *name,
                        struct wr_rng *r)
{
    char *twp;
    int v = (int)wr_rng_below(r, 4);
    snprintf(out, cap, "%s", name);
    if (v == 1 && (twp = strstr(out, " Township")) != NULL)
        snprintf(twp, cap - (size_t)(twp - out), " Twp");
    else if (v == 1 || v == 2)
        case_variant(out, 3);
    else if (v == 3)
        double_space(out, cap);
}

/* Bigger precincts take longer to count and report later; hotline
 * calls wait in a queue. */
static int report_secs(double size_rank, int hotline, struct wr_rng *r)
{
    double m = 2.0 + 105.0 * size_rank + 30.0 * wr_rng_uniform(r) -
               8.0 * log(1.0 - wr_rng_uniform(r));
    if (hotline)
        m += 15.0 * wr_rng_uniform(r);
    long s = lround(m * 60.0);
    return (int)(s < 0 ? 0 : s > 10500 ? 10500 : s);
}

struct ranked {
    long reg;
    int i;
};

static int by_reg(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;
    if (x->reg != y->reg)
        return (x->reg > y->reg) - (x->reg < y->reg);
    return (x->i > y->i) - (x->i < y->i);
}

/* Each precinct's place by registration, 0 (smallest) to 1 (largest). */
static double *size_ranks(const struct world *w)
{
    struct ranked *v = xcalloc((size_t)w->np, sizeof *v);
    double *rank = xcalloc((size_t)w->np, sizeof *rank);
    for (int i = 0; i < w->np; i++)
        v[i] = (struct ranked){w->p[i].reg, i};
    qsort(v, (size_t)w->np, sizeof *v, by_reg);
    for (int i = 0; i < w->np; i++)
        rank[v[i].i] = w->np > 1 ? (double)i / (w->np - 1) : 0.0;
    free(v);
    return rank;
}

static int by_time(const void *a, const void *b)
{
    const struct report *x = a, *y = b;
    if (x->secs != y->secs)
        return (x->secs > y->secs) - (x->secs < y->secs);
    return (x->precinct > y->precinct) - (x->precinct < y->precinct);
}

static struct report *build_night(const struct world *w)
{
    struct wr_rng r;
    double alpha[N24], cshare[N24];
    double *rank = size_ranks(w);
    struct report *rep = xcalloc((size_t)w->np, sizeof *rep);
    stream(&r, w, ST_NIGHT);
    for (int k = 0; k < N24; k++)
        alpha[k] = 500.0 * SHARE24[k];
    for (int i = 0; i < w->nc; i++) {
        const struct county *c = &w->c[i];
        dirichlet(&r, alpha, N24, cshare);
        for (int q = c->first; q < c->first + c->nprec; q++) {
            struct report *x = &rep[q];
            x->precinct = q;
            x->hotline = wr_rng_uniform(&r) < 0.25;
            x->by_name = x->hotline && wr_rng_uniform(&r) < 0.05;
            /* The desk is no longer written (the caller is the reporter),
             * but still drawn, so every other number stays as it was. */
            (void)wr_rng_below(&r, 8);
            x->device = device_id((unsigned)q, w->seed);
            if (x->by_name)
                spoken_name(x->name, sizeof x->name, w->p[q].name, &r);
            night_votes(x, &w->p[q], cshare, &r);
            x->secs = report_secs(rank[q], x->hotline, &r);
        }
    }
    free(rank);
    qsort(rep, (size_t)w->np, sizeof *rep, by_time);
    return rep;
}

/* ------------------------------------------------------------------ */
/* Output                                                               */

struct out {
    FILE *f;
    char *path, *tmp;
};

/* Files are written beside their final name and renamed into place, so a
 * failed run never leaves a half-written fixture behind. */
static void out_open(struct out *o, const char *dir, const char *name)
{
    o->path = path_join(dir, name);
    o->tmp = xcalloc(strlen(o->path) + 5, 1);
    sprintf(o->tmp, "%s.tmp", o->path);
    o->f = fopen(o->tmp, "wb");
    if (!o->f)
        die_internal("%s: cannot write: %s", o->tmp, strerror(errno));
}

static void out_close(struct out *o)
{
    int bad = ferror(o->f);
    if (fclose(o->f) != 0 || bad)
        die_internal("%s: write failed: %s", o->tmp, strerror(errno));
    if (rename(o->tmp, o->path) != 0)
        die_internal("%s: cannot rename: %s", o->path, strerror(errno));
    free(o->path);
    free(o->tmp);
}

static void make_dir(const char *path)
{
    char *p = xcalloc(strlen(path) + 1, 1);
    strcpy(p, path);
    for (char *s = p + 1;; s++) {
        char ch = *s;
        if (ch != '/' && ch != '\0')
            continue;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST)
            die_internal("%s: cannot create: %s", p, strerror(errno));
        *s = ch;
        if (ch == '\0')
            break;
    }
    free(p);
}

static void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

static void write_counties(const struct world *w, const char *dir)
{
    struct out o;
    out_open(&o, dir, "counties.csv");
    fputs("fips,name,short_name,tile_row,tile_col,lat,lon,registered_rep\n", o.f);
    for (int i = 0; i < w->nc; i++) {
        const struct county *c = &w->c[i];
        fprintf(o.f, "%05d,", c->fips);
        csv_field(o.f, c->name);
        fprintf(o.f, ",%s,", c->short_name);
        if (c->tile_row >= 0)
            fprintf(o.f, "%d,%d", c->tile_row, c->tile_col);
        else
            fputs(",", o.f);
        fprintf(o.f, ",%.6f,%.6f,%ld\n", c->lat, c->lon, c->rep_active);
    }
    out_close(&o);
}

static void write_sites(const struct world *w, const char *dir)
{
    struct out o;
    out_open(&o, dir, "sites.csv");
    fputs("code,county_fips,name\n", o.f);
    for (int s = 0; s < w->ns; s++) {
        int fips = w->c[w->s[s].county].fips;
        fprintf(o.f, "%05d-S%03d,%05d,", fips, w->s[s].num, fips);
        csv_field(o.f, w->s[s].name);
        fputc('\n', o.f);
    }
    out_close(&o);
}

static void write_precincts(const struct world *w, const char *dir)
{
    struct out o;
    out_open(&o, dir, "precincts.csv");
    fputs("code,county_fips,name,site,registered_rep\n", o.f);
    for (int q = 0; q < w->np; q++) {
        const struct precinct *p = &w->p[q];
        int fips = w->c[p->county].fips;
        fprintf(o.f, "%05d-%03d,%05d,", fips, p->num, fips);
        csv_field(o.f, p->name);
        fprintf(o.f, ",%05d-S%03d,%ld\n", fips, w->s[p->site].num, p->reg);
    }
    out_close(&o);
}

/* Who reports precinct p: its chair, or for a room of four or more
 * precincts (a super site) the one reporter who sends them all, as warroom
 * simulate names its reporters. */
static void put_reporter(FILE *f, const struct world *w, const struct precinct *p)
{
    int fips = w->c[p->county].fips;
    if (w->s[p->site].size >= 4)
        fprintf(f, "rep-%05d-S%03d", fips, w->s[p->site].num);
    else
        fprintf(f, "rep-%05d-%03d", fips, p->num);
}

/* The party's roster: each precinct's reporter. */
static void write_roster(const struct world *w, const char *dir)
{
    struct out o;
    out_open(&o, dir, "reporters.csv");
    fputs("reporter,precinct\n", o.f);
    for (int q = 0; q < w->np; q++) {
        const struct precinct *p = &w->p[q];
        put_reporter(o.f, w, p);
        fprintf(o.f, ",%05d-%03d\n", w->c[p->county].fips, p->num);
    }
    out_close(&o);
}

static void write_aliases(const struct world *w, const char *dir)
{
    struct out o;
    out_open(&o, dir, "aliases.csv");
    fputs("old_code,old_name,county_fips,code\n", o.f);
    for (int j = 0; j < w->na; j++) {
        const struct alias *a = &w->a[j];
        int fips = w->c[a->county].fips;
        fprintf(o.f, "%05d-%03d,", fips, a->old_num);
        csv_field(o.f, a->old_name);
        fprintf(o.f, ",%05d,%05d-%03d\n", fips, fips, w->p[a->precinct].num);
    }
    out_close(&o);
}

static void write_baselines(const struct world *w, const char *dir)
{
    struct out o;
    out_open(&o, dir, "baselines.csv");
    fputs("precinct,year,candidate,votes\n", o.f);
    for (int q = 0; q < w->np; q++) {
        const struct precinct *p = &w->p[q];
        int fips = w->c[p->county].fips;
        for (int k = 0; k < N16; k++)
            fprintf(o.f, "%05d-%03d,2016,%s,%ld\n", fips, p->num, CAND16[k],
                    p->b16[k]);
        for (int k = 0; k < N20; k++)
            fprintf(o.f, "%05d-%03d,2020,%s,%ld\n", fips, p->num, CAND20[k],
                    p->b20[k]);
    }
    out_close(&o);
}

static void write_contest(const struct world *w, const char *dir)
{
    struct out o;
    out_open(&o, dir, "contest.json");
    fputs("{\n  \"id\": ", o.f);
    json_string(o.f, w->contest->id);
    fputs(",\n  \"name\": ", o.f);
    json_string(o.f, w->contest->name);
    fputs(",\n  \"state\": ", o.f);
    json_string(o.f, w->contest->state);
    fputs(",\n  \"issuer\": ", o.f);
    json_string(o.f, w->contest->issuer);
    fputs(",\n  \"issuer_abbreviation\": ", o.f);
    json_string(o.f, w->contest->issuer_abbrev);
    fputs(",\n  \"party\": ", o.f);
    json_string(o.f, w->contest->party);
    fprintf(o.f, ",\n  \"opens_at\": \"%s\",\n  \"candidates\": [\n", OPENS_AT);
    for (int k = 0; k < N24; k++) {
        fprintf(o.f, "    {\n      \"id\": \"%s\",\n      \"name\": ", CAND24[k]);
        json_string(o.f, NAME24[k]);
        fprintf(o.f, "\n    }%s\n", k + 1 < N24 ? "," : "");
    }
    fputs("  ]\n}\n", o.f);
    out_close(&o);
}

static void write_report(FILE *f, const struct world *w, const struct report *x,
                         int serial)
{
    const struct precinct *p = &w->p[x->precinct];
    int fips = w->c[p->county].fips, t = 19 * 3600 + 35 * 60 + x->secs;
    fprintf(f, "{\"submission_id\":\"%s-%06d\",\"source\":\"%s\",",
            x->hotline ? "hl" : "app", serial, x->hotline ? "hotline" : "app");
    if (x->by_name) {
        fprintf(f, "\"county\":\"%05d\",\"precinct_name\":", fips);
        json_string(f, x->name);
    } else {
        fprintf(f, "\"precinct\":\"%05d-%03d\"", fips, p->num);
    }
    fprintf(f, ",\"reported_at\":\"2024-01-15T%02d:%02d:%02d-06:00\",", t / 3600,
            t / 60 % 60, t % 60);
    /* On the hotline the reporter is the caller: the precinct's own. */
    fputs("\"reporter\":\"", f);
    put_reporter(f, w, p);
    fputc('"', f);
    if (!x->hotline)
        fprintf(f, ",\"device\":\"dev-%06x\"", x->device);
    fputs(",\"votes\":{", f);
    for (int k = 0; k < N24; k++)
        fprintf(f, "%s\"%s\":%ld", k ? "," : "", CAND24[k], x->votes[k]);
    fprintf(f, "},\"total\":%ld}\n", x->total);
}

static void write_night(const struct world *w, const char *dir)
{
    struct report *rep = build_night(w);
    char *nights = path_join(dir, "nights");
    struct out o;
    int app = 0, hl = 0;
    make_dir(nights);
    out_open(&o, nights, "sample.ndjson");
    for (int i = 0; i < w->np; i++)
        write_report(o.f, w, &rep[i], rep[i].hotline ? ++hl : ++app);
    out_close(&o);
    free(nights);
    free(rep);
}

static void world_free(struct world *w)
{
    free(w->c);
    free(w->p);
    free(w->s);
    free(w->a);
}

static void generate(struct world *w, const char *out)
{
    layout_precincts(w);
    check_current_names(w);
    assign_registration(w);
    build_sites(w);
    baselines_2016(w);
    baselines_2020(w);
    build_aliases(w);
    make_dir(out);
    write_counties(w, out);
    write_sites(w, out);
    write_precincts(w, out);
    write_roster(w, out);
    write_aliases(w, out);
    write_baselines(w, out);
    write_contest(w, out);
    write_night(w, out);
}

/* ------------------------------------------------------------------ */
/* Command line                                                         */

static void usage(FILE *f)
{
    fputs("usage: fixturegen iowa --data DIR --out DIR\n"
          "       fixturegen national --out DIR [--precincts N] [--seed N]\n"
          "\n"
          "iowa      writes the Iowa fixtures from the real data in DIR\n"
          "national  writes a synthetic set of about 3,100 counties in 50\n"
          "          states (default 175000 precincts, seed 1)\n",
          f);
}

static void bad_usage(const char *fmt, const char *arg)
{
    fputs("fixturegen: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\n", stderr);
    usage(stderr);
    exit(1);
}

static unsigned long long parse_num(const char *opt, const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!(*s >= '0' && *s <= '9') || *end || errno)
        bad_usage("%s needs a non-negative integer", opt);
    return v;
}

struct args {
    const char *data, *out;
    unsigned long long precincts, seed;
};

static void parse_args(int argc, char **argv, int national, struct args *a)
{
    for (int i = 2; i < argc; i++) {
        const char *opt = argv[i];
        if (i + 1 >= argc)
            bad_usage("%s needs a value", opt);
        const char *val = argv[++i];
        if (!strcmp(opt, "--out"))
            a->out = val;
        else if (!strcmp(opt, "--data") && !national)
            a->data = val;
        else if (!strcmp(opt, "--precincts") && national)
            a->precincts = parse_num(opt, val);
        else if (!strcmp(opt, "--seed") && national)
            a->seed = parse_num(opt, val);
        else
            bad_usage("unknown option %s", opt);
    }
    if (!a->out || !*a->out)
        bad_usage("%s", "--out is required");
    if (!national && (!a->data || !*a->data))
        bad_usage("%s", "--data is required");
}

int main(int argc, char **argv)
{
    struct args a = {NULL, NULL, 175000, 1};
    struct world w;
    memset(&w, 0, sizeof w);
    w.max_rural = NTWP - TWP_RESERVE;
    if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        usage(stdout);
        return 0;
    }
    if (argc >= 2 && !strcmp(argv[1], "iowa")) {
        parse_args(argc, argv, 0, &a);
        w.seed = IOWA_SEED;
        w.contest = &IOWA_CONTEST;
        load_iowa(&w, a.data);
        iowa_alias_targets(&w);
        generate(&w, a.out);
    } else if (argc >= 2 && !strcmp(argv[1], "national")) {
        parse_args(argc, argv, 1, &a);
        if (a.precincts < (unsigned long long)national_counties() ||
            a.precincts > 1000000ULL)
            bad_usage("%s", "--precincts must be between 3142 (one per "
                            "county) and 1000000");
        w.seed = a.seed;
        w.contest = &NATIONAL_CONTEST;
        synth_national(&w, (long)a.precincts);
        generate(&w, a.out);
    } else {
        bad_usage("%s", argc >= 2 ? "unknown command" : "no command given");
    }
    world_free(&w);
    return 0;
}
