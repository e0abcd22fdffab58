/* Deterministic pseudo-random numbers for warroom: xoshiro256** seeded
 * through splitmix64.
 *
 * The generator is a plain value owned by its caller, never a global, so
 * fixtures and simulations are reproducible from a seed alone and two
 * modules (or threads) drawing numbers cannot disturb each other's streams.
 * Not for anything secret: it is fast and well distributed, not
 * cryptographic. */
#ifndef WARROOM_RNG_H
#define WARROOM_RNG_H

#include <stdint.h>

struct wr_rng {
    uint64_t s[4];
    /* The polar method makes normals in pairs; the second waits here so a
     * draw sequence depends only on this struct, not on hidden state. */
    double spare;
    int has_spare;
};

/* Any seed is fine, including 0: splitmix64 spreads it over the state. */
void wr_rng_seed(struct wr_rng *r, uint64_t seed);

uint64_t wr_rng_next(struct wr_rng *r);

/* Uniform in [0, 1) with 53 random bits. */
double wr_rng_uniform(struct wr_rng *r);

/* Uniform integer in [0, n), without modulo bias; 0 when n is 0. */
uint64_t wr_rng_below(struct wr_rng *r, uint64_t n);

/* Standard normal (mean 0, standard deviation 1). */
double wr_rng_normal(struct wr_rng *r);

/* Gamma(shape, scale 1) for shape > 0 (0 otherwise); normalising a vector
 * of these gives a Dirichlet draw. */
double wr_rng_gamma(struct wr_rng *r, double shape);

#endif
