/* xoshiro256** (Blackman and Vigna, 2018) with splitmix64 seeding.  Chosen
 * for a small state, speed and good statistical quality; the reference
 * algorithms are reproduced exactly so a seed means the same sequence
 * everywhere. */
#include "warroom/rng.h"

#include <math.h>

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

void wr_rng_seed(struct wr_rng *r, uint64_t seed)
{
    /* xoshiro must not start from an all-zero state, and similar seeds must
     * not give similar streams; splitmix64 outputs satisfy both. */
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
    r->spare = 0.0;
    r->has_spare = 0;
}

uint64_t wr_rng_next(struct wr_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double wr_rng_uniform(struct wr_rng *r)
{
    /* The top 53 bits fill a double's mantissa exactly: every value is a
     * multiple of 2^-53 and 1.0 can never come out. */
    return (double)(wr_rng_next(r) >> 11) * 0x1.0p-53;
}

uint64_t wr_rng_below(struct wr_rng *r, uint64_t n)
{
    if (n == 0)
        return 0;
    /* Reject the lowest 2^64 mod n outputs so the ones left are an exact
     * multiple of n and every residue is equally likely. */
    uint64_t threshold = (0 - n) % n;
    for (;;) {
        uint64_t x = wr_rng_next(r);
        if (x >= threshold)
            return x % n;
    }
}

double wr_rng_normal(struct wr_rng *r)
{
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    /* Marsaglia's polar method: no trigonometry, and both values of each
     * accepted pair are used. */
    double u, v, s;
    do {
        u = 2.0 * wr_rng_uniform(r) - 1.0;
        v = 2.0 * wr_rng_uniform(r) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    double m = sqrt(-2.0 * log(s) / s);
    r->spare = v * m;
    r->has_spare = 1;
    return u * m;
}

static double gamma_ge1(struct wr_rng *r, double shape)
{
    /* Marsaglia and Tsang (2000); the cheap squeeze test accepts most
     * draws before the logarithms are needed. */
    double d = shape - 1.0 / 3.0;
    double c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double x, v;
        do {
            x = wr_rng_normal(r);
            v = 1.0 + c * x;
        } while (v <= 0.0);
        v = v * v * v;
        double u = wr_rng_uniform(r);
        if (u < 1.0 - 0.0331 * (x * x) * (x * x))
            return d * v;
        if (log(u) < 0.5 * x * x + d * (1.0 - v + log(v)))
            return d * v;
    }
}

double wr_rng_gamma(struct wr_rng *r, double shape)
{
    if (!(shape > 0.0))
        return 0.0;
    if (shape >= 1.0)
        return gamma_ge1(r, shape);
    /* Small shapes (rare candidates in a Dirichlet) use the boost
     * Gamma(a) = Gamma(a + 1) * U^(1/a); 1 - U keeps U away from 0. */
    double u = 1.0 - wr_rng_uniform(r);
    return gamma_ge1(r, shape + 1.0) * pow(u, 1.0 / shape);
}
