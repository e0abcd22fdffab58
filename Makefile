# warroom — see README.md. `make` builds ./warroom; `make test` runs every
# test (unit, integration, the unit tests again under ASan+UBSan, a bounded
# fuzz run); `make bench` prints the benchmark figures.

CC      ?= cc
CLANG   ?= clang
PKGS    := ncursesw sqlite3 libcurl jansson libsodium
# Recursive (=) so pkg-config runs after scripts/deps.sh installed things.
# ncursesw's flags define _XOPEN_SOURCE, which would hide non-POSIX use in
# the core, so only the console's files (src/tui) get them.
PKG_CFLAGS = $(shell pkg-config --cflags sqlite3 libcurl jansson libsodium)
CURSES_CFLAGS = $(shell pkg-config --cflags ncursesw)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))
CFLAGS  ?= -O2 -g
STD     := -std=c11 -Wall -Wextra -Werror -D_XOPEN_SOURCE=700 -Iinclude -Isrc
SAN     := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
           -fsanitize=float-cast-overflow -fno-sanitize-recover=all

LIB_SRC := $(filter-out src/main.c,$(wildcard src/*.c))
TUI_SRC := $(wildcard src/tui/*.c)
# The console's files take ncursesw's own _XOPEN_SOURCE instead of ours.
TUI_STD := -std=c11 -Wall -Wextra -Werror -Iinclude -Isrc
CMD_SRC := $(wildcard src/cmd/*.c) src/main.c
MIGRATIONS := $(sort $(wildcard schemas/*.sql))
TEST_SRC := $(wildcard tests/test_*.c)

OBJ      := $(LIB_SRC:%.c=build/obj/%.o) build/obj/schemas.o
TUI_OBJ  := $(TUI_SRC:%.c=build/obj/%.o)
SAN_TUI_OBJ := $(TUI_SRC:%.c=build/san/%.o)
CMD_OBJ  := $(CMD_SRC:%.c=build/obj/%.o)
SAN_OBJ  := $(LIB_SRC:%.c=build/san/%.o) build/san/schemas.o
TESTS    := $(TEST_SRC:tests/%.c=build/tests/%)
SAN_TESTS := $(TEST_SRC:tests/%.c=build/san-tests/%)

.PHONY: all deps test test-all unit unit-san integration fuzz bench fixtures clean demo
# Keep objects that only pattern rules mention, so make does not delete them.
.SECONDARY:
all: warroom

deps:
	@sh scripts/deps.sh

warroom: $(OBJ) $(TUI_OBJ) $(CMD_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS) -lm

build/tools/%: tools/%.c
	@mkdir -p $(dir $@)
	$(CC) $(STD) -O2 -o $@ $^ -lm

# A load driver for the review tests and benchmark: the library, no main.
build/tools/validator_sim: tools/validator_sim.c $(OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(PKG_CFLAGS) $(CFLAGS) -o $@ $^ $(PKG_LIBS) -lm

build/tools/approve_counties: tools/approve_counties.c $(OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(PKG_CFLAGS) $(CFLAGS) -o $@ $^ $(PKG_LIBS) -lm

build/tools/fixturegen: tools/fixturegen.c src/rng.c
	@mkdir -p $(dir $@)
	$(CC) $(STD) -O2 -o $@ $^ -lm

build/schemas.c: build/tools/embed $(MIGRATIONS)
	build/tools/embed $@ $(MIGRATIONS)

build/obj/schemas.o: build/schemas.c
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(PKG_CFLAGS) $(CFLAGS) -c -o $@ $<

build/san/schemas.o: build/schemas.c
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(PKG_CFLAGS) $(SAN) -c -o $@ $<

build/obj/src/tui/%.o: src/tui/%.c
	@mkdir -p $(dir $@)
	$(CC) $(TUI_STD) $(CURSES_CFLAGS) $(PKG_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

build/san/src/tui/%.o: src/tui/%.c
	@mkdir -p $(dir $@)
	$(CC) $(TUI_STD) $(CURSES_CFLAGS) $(PKG_CFLAGS) $(SAN) -MMD -MP -c -o $@ $<

build/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(PKG_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

build/san/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(PKG_CFLAGS) $(SAN) -MMD -MP -c -o $@ $<

build/tests/%: tests/%.c tests/testutil.h $(OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(PKG_CFLAGS) $(CFLAGS) -MMD -MP -o $@ $< $(OBJ) $(PKG_LIBS) -lcmocka -lm

# The console's tests drive the views too.
build/tests/test_console: tests/test_console.c tests/testutil.h $(OBJ) $(TUI_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(PKG_CFLAGS) $(CFLAGS) -MMD -MP -o $@ $< $(OBJ) $(TUI_OBJ) $(PKG_LIBS) -lcmocka -lm

build/san-tests/test_console: tests/test_console.c tests/testutil.h $(SAN_OBJ) $(SAN_TUI_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(PKG_CFLAGS) $(SAN) -MMD -MP -o $@ $< $(SAN_OBJ) $(SAN_TUI_OBJ) $(PKG_LIBS) -lcmocka -lm

build/san-tests/%: tests/%.c tests/testutil.h $(SAN_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(PKG_CFLAGS) $(SAN) -MMD -MP -o $@ $< $(SAN_OBJ) $(PKG_LIBS) -lcmocka -lm

build/fuzz_submission: tests/fuzz/fuzz_submission.c $(LIB_SRC) build/schemas.c \
                        $(wildcard include/warroom/*.h)
	@mkdir -p $(dir $@)
	$(CLANG) $(STD) $(PKG_CFLAGS) -g -O1 -fsanitize=fuzzer,address,undefined \
	  -o $@ $(filter %.c,$^) $(PKG_LIBS) -lm

test: deps
	@$(MAKE) --no-print-directory test-all

test-all: warroom build/tools/validator_sim build/tools/approve_counties $(TESTS) $(SAN_TESTS) build/fuzz_submission
	@sh tests/run.sh

unit: $(TESTS)
	@sh tests/run.sh unit

unit-san: $(SAN_TESTS)
	@sh tests/run.sh san

integration: warroom build/tools/validator_sim build/tools/approve_counties
	@sh tests/run.sh integration

fuzz: build/fuzz_submission
	@sh tests/run.sh fuzz

bench: deps
	@$(MAKE) --no-print-directory warroom build/tools/fixturegen build/tools/measure \
	  build/tools/validator_sim build/tools/approve_counties
	@sh bench/run.sh

fixtures: build/tools/fixturegen
	build/tools/fixturegen iowa --data ../shared/data/iowa --out fixtures/iowa

# SPEED: night seconds per real second (make demo SPEED=60).
SPEED ?= 30
demo: deps
	@$(MAKE) --no-print-directory warroom
	./warroom demo --speed $(SPEED)

clean:
	rm -rf build warroom

-include $(shell find build -name '*.d' 2>/dev/null)
