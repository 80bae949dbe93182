# TIMS — build, test, demo. Plain GNU Make with pkg-config.
#
#   make            build build/tims and the library
#   make demo       build, then run the main job (see README.md)
#   make check      every test: unit, unit under ASan+UBSan, end-to-end,
#                   fuzz smoke, bench smoke; ends with "N passed, N failed"
#   make asan       the unit tests under AddressSanitizer and UBSan
#   make fuzz       each fuzz target for FUZZ_SECONDS (default 60)
#   make soak       the long crash and outage tests, the fault matrix
#   make bench      benchmarks next to their anchors, with ratios
#
# Missing Debian packages are installed by scripts/deps.sh, which make runs
# by itself when pkg-config cannot find a library.

.DEFAULT_GOAL := all
SHELL := /bin/bash

# Every core unless told otherwise (make -jN): a fresh `make check` builds
# the program, its ASan twin, the unit tests of both, the fuzz targets and
# the benchmarks before any test runs.
ifeq (,$(filter -j%,$(MAKEFLAGS)))
MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 1)
endif

PKGS := sqlite3 libsodium libmicrohttpd gnutls libcurl jansson icu-uc icu-i18n libpq p11-kit-1 libsystemd libseccomp

# TIMS_NO_DEPS=1 (the Debian package build): never install packages; the
# build-dependencies are debian/control's business.
ifeq ($(filter clean deps,$(MAKECMDGOALS))$(TIMS_NO_DEPS),)
ifneq ($(shell pkg-config --exists $(PKGS) libcrypto libpcsclite && command -v clang >/dev/null && command -v softhsm2-util >/dev/null && command -v faketime >/dev/null && command -v lintian >/dev/null && command -v msgfmt >/dev/null && command -v dh >/dev/null && command -v promtool >/dev/null && test -x /usr/sbin/pcscd && test -e /usr/lib/pcsc/drivers/serial/libifdvpcd.so && echo ok),ok)
$(info make: some libraries or tools are missing; running scripts/deps.sh)
DEPS_RC := $(shell bash scripts/deps.sh >&2; echo $$?)
ifneq ($(DEPS_RC),0)
$(error scripts/deps.sh failed (exit $(DEPS_RC)); run it by hand to see why)
endif
endif
endif

CC ?= cc
CLANG ?= clang
B := build
# where `make install` puts things (see install below); SYSCONFDIR is also
# compiled into the program (src/cli_lang.c reads the installation's
# language from SYSCONFDIR/tims/post.conf)
PREFIX ?= /usr/local
SYSCONFDIR ?= $(PREFIX)/etc

GIT_DESCRIBE := $(shell git describe --always --dirty 2>/dev/null)
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) libpcsclite 2>/dev/null)
# libpq: its header only. The query store loads the library when a store on
# PostgreSQL is opened (lib/cstore/pq.c): it and the ten libraries it brings
# are not mapped into every process.
PKG_LIBS := $(shell pkg-config --libs $(filter-out libpq,$(PKGS)) 2>/dev/null)
# the benchmarks' PostgreSQL anchors call libpq themselves
PQ_LIBS := $(shell pkg-config --libs libpq 2>/dev/null)
# OpenSSL 3's libcrypto for lib/epass only (CMS SignedData and X.509 with
# explicit EC parameters and brainpool curves, which GnuTLS cannot read);
# the rest of the node keeps GnuTLS and libsodium. --as-needed drops it from
# binaries that do not reach lib/epass.
# pcsc-lite (libpcsclite) for lib/epass/pcsc.c: the booth's chip reader.
EPASS_LIBS := $(shell pkg-config --libs libcrypto libpcsclite 2>/dev/null)
LIBS := $(PKG_LIBS) $(EPASS_LIBS) -lm -lpthread

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wvla -Wno-format-nonliteral
WERROR ?= -Werror
BASE_CFLAGS := -std=c17 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
	-Iinclude -include tims/sys.h $(PKG_CFLAGS) $(WARN) $(WERROR) \
	-DTIMS_GIT_DESCRIBE='"$(GIT_DESCRIBE)"' -MMD -MP
HARDEN := -D_FORTIFY_SOURCE=3 -fstack-protector-strong -fPIE \
	-fstack-clash-protection -fcf-protection
CFLAGS ?= -O2 -g
ALL_CFLAGS := $(BASE_CFLAGS) $(HARDEN) $(CFLAGS)
LDFLAGS ?=
ALL_LDFLAGS := -pie -Wl,-z,relro,-z,now -Wl,--as-needed $(LDFLAGS)

SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
# -g1: line tables, all a sanitizer's report needs (file:line in each frame),
# at less compile time than full debug info
ASAN_CFLAGS := $(BASE_CFLAGS) -O1 -g1 -fno-omit-frame-pointer $(SAN)

LIB_SRC := $(shell find lib -name '*.c' | LC_ALL=C sort)
CLI_SRC := $(shell find src -name '*.c' | LC_ALL=C sort)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
BENCH_SRC := $(sort $(wildcard bench/bench_*.c))
TEST_SUPPORT := $(sort $(wildcard tests/unit/support/*.c))

LIB_OBJ := $(LIB_SRC:%.c=$(B)/obj/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(B)/obj/%.o)
ASAN_LIB_OBJ := $(LIB_SRC:%.c=$(B)/asan/obj/%.o)
ASAN_CLI_OBJ := $(CLI_SRC:%.c=$(B)/asan/obj/%.o)

UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
ASAN_UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/asan/tests/%)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(B)/fuzz/%)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(B)/bench/%)

.SECONDARY:
.PHONY: all demo check test asan fuzz fuzz-build soak bench clean deps install pot

all: $(B)/tims

# The program's message catalogues (GNU gettext, docs/languages.md): po/LL.po
# compiled beside each program (build/locale, build/asan/locale), where
# src/cli_lang.c finds them when run from the build tree. `make pot`
# extracts the marked texts of the files po/POTFILES names into po/tims.pot
# and merges them into each po/LL.po; scripts/po-check.py (make check,
# tests/e2e/cli-lang.sh) fails on a text without a translation.
LANGS := $(patsubst po/%.po,%,$(wildcard po/*.po))
MO := $(LANGS:%=$(B)/locale/%/LC_MESSAGES/tims.mo)
ASAN_MO := $(LANGS:%=$(B)/asan/locale/%/LC_MESSAGES/tims.mo)
XGETTEXT_FLAGS := --from-code=UTF-8 --keyword=_ --keyword=N_ --keyword=ngettext:1,2 \
	--add-comments=TRANSLATORS: --package-name=tims --msgid-bugs-address=maintainers@users.noreply.r-seed-a265187c.example \
	--no-wrap --sort-by-file

$(B)/locale/%/LC_MESSAGES/tims.mo: po/%.po
	@mkdir -p $(@D)
	msgfmt --check --output-file=$@ $<

$(B)/asan/locale/%/LC_MESSAGES/tims.mo: $(B)/locale/%/LC_MESSAGES/tims.mo
	@mkdir -p $(@D)
	cp $< $@

pot:
	xgettext $(XGETTEXT_FLAGS) --files-from=po/POTFILES --output=po/tims.pot
	for l in $(LANGS); do msgmerge --quiet --update --backup=none --no-wrap po/$$l.po po/tims.pot || exit 1; done

$(B)/obj/src/cli_lang.o: ALL_CFLAGS += -DTIMS_SYSCONFDIR='"$(SYSCONFDIR)"'
$(B)/asan/obj/src/cli_lang.o: ASAN_CFLAGS += -DTIMS_SYSCONFDIR='"$(SYSCONFDIR)"'

$(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(B)/asan/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ASAN_CFLAGS) -c $< -o $@

$(B)/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CLANG) $(BASE_CFLAGS) -Wno-gnu-zero-variadic-macro-arguments -O1 -g1 \
		-fsanitize=fuzzer-no-link,address,undefined -c $< -o $@

$(B)/libtims.a: $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(B)/asan/libtims.a: $(ASAN_LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(B)/tims: $(CLI_OBJ) $(B)/libtims.a | $(MO)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $(CLI_OBJ) $(B)/libtims.a $(LIBS) -o $@

$(B)/asan/tims: $(ASAN_CLI_OBJ) $(B)/asan/libtims.a | $(ASAN_MO)
	$(CC) $(ASAN_CFLAGS) $(ASAN_CLI_OBJ) $(B)/asan/libtims.a $(LIBS) -o $@

$(B)/tests/%: tests/unit/%.c $(TEST_SUPPORT) tests/unit/t.h $(B)/libtims.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/unit $(ALL_LDFLAGS) $< $(TEST_SUPPORT) \
		$(B)/libtims.a $(LIBS) -o $@

$(B)/asan/tests/%: tests/unit/%.c $(TEST_SUPPORT) tests/unit/t.h $(B)/asan/libtims.a
	@mkdir -p $(@D)
	$(CC) $(ASAN_CFLAGS) -Itests/unit $< $(TEST_SUPPORT) \
		$(B)/asan/libtims.a $(LIBS) -o $@

# The fuzz targets link the library as an archive, as the program and the
# unit tests do: each takes only the objects it reaches. Only those objects
# are compiled for them (about 110 of the library's 180; each compile is the
# dearest of the three builds): scripts/link-closure.py reads which ones an
# archive link of the targets takes, from the plain build's objects of the
# same sources, and a make of its own compiles them.
FUZZ_TOBJ := $(FUZZ_SRC:tests/fuzz/%.c=$(B)/fuzz/tobj/%.o)

$(B)/fuzz/tobj/%.o: tests/fuzz/%.c
	@mkdir -p $(@D)
	$(CLANG) $(BASE_CFLAGS) -O1 -g -fsanitize=fuzzer-no-link,address,undefined -c $< -o $@

$(B)/fuzz/libtims.a: $(LIB_OBJ) $(FUZZ_TOBJ) scripts/link-closure.py
	@mkdir -p $(@D)
	+@need=$$(/usr/bin/env python3 scripts/link-closure.py --roots $(FUZZ_TOBJ) --lib $(LIB_OBJ)) || exit 1; \
	objs=$$(printf '%s\n' $$need | sed 's|^$(B)/obj/|$(B)/fuzz/obj/|'); \
	echo "fuzz: $$(printf '%s\n' $$objs | wc -l) of $(words $(LIB_OBJ)) library objects reached"; \
	$(MAKE) --no-print-directory $$objs && rm -f $@ && ar rcs $@ $$objs

$(B)/fuzz/%: $(B)/fuzz/tobj/%.o $(B)/fuzz/libtims.a
	@mkdir -p $(@D)
	$(CLANG) -O1 -g -fsanitize=fuzzer,address,undefined \
		$< $(B)/fuzz/libtims.a $(LIBS) -o $@

$(B)/bench/%: bench/%.c $(B)/libtims.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $< $(B)/libtims.a $(LIBS) $(PQ_LIBS) -o $@

# The "without encryption" side of bench/bench-vault.sh: the same library
# compiled with -DTIMS_VAULT_NO_ENCRYPTION (the vault seals by copying and
# never touches a token), into build/bench-plain/. Built for the benchmark
# (make bench, and its smoke in make check) only; never installed or shipped.
# Only the vault reads the macro: every other object is the plain build's own,
# so the "without" side costs one file to compile, not the library again.
PLAIN_ONLY := lib/vault/vault.c
PLAIN_LIB_OBJ := $(filter-out $(PLAIN_ONLY:%.c=$(B)/obj/%.o),$(LIB_OBJ)) \
	$(PLAIN_ONLY:%.c=$(B)/bench-plain/obj/%.o)
PLAIN_BENCH := $(B)/bench-plain/bench/bench_post $(B)/bench-plain/bench/bench_centre

$(B)/bench-plain/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -DTIMS_VAULT_NO_ENCRYPTION -c $< -o $@

$(B)/bench-plain/libtims.a: $(PLAIN_LIB_OBJ)
	@mkdir -p $(@D)
	@other=$$(grep -rl TIMS_VAULT_NO_ENCRYPTION lib src include | grep -vxF '$(PLAIN_ONLY)'); \
	if [ -n "$$other" ]; then echo "Makefile: PLAIN_ONLY must list $$other" >&2; exit 1; fi
	rm -f $@ && ar rcs $@ $^

$(B)/bench-plain/bench/%: bench/%.c $(B)/bench-plain/libtims.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -DTIMS_VAULT_NO_ENCRYPTION $(ALL_LDFLAGS) $< \
		$(B)/bench-plain/libtims.a $(LIBS) -o $@

# Fault injection for tests/e2e/faults.sh (LD_PRELOAD; tests/lib/faultfs.c).
FAULT_SO := $(B)/tests/libfaultfs.so
$(FAULT_SO): tests/lib/faultfs.c
	@mkdir -p $(@D)
	$(CC) -std=c17 -D_GNU_SOURCE -O2 -g -fPIC -shared -Wall -Wextra -Werror $< -ldl -o $@

# Power loss for the fault matrix (tests/e2e/powerloss.sh; tests/lib/crashfs.c
# journals what a node writes, tests/lib/powercut.py rebuilds what reached
# the disk).
CRASH_SO := $(B)/tests/libcrashfs.so
$(CRASH_SO): tests/lib/crashfs.c
	@mkdir -p $(@D)
	$(CC) -std=c17 -D_GNU_SOURCE -O2 -g -fPIC -shared -Wall -Wextra -Werror $< -ldl -lpthread -o $@

test: $(B)/tims $(UNIT_BIN)
asan: $(ASAN_UNIT_BIN) $(B)/asan/tims
	@tests/run.sh --only asan
fuzz-build: $(FUZZ_BIN)

check: $(B)/tims $(B)/asan/tims $(UNIT_BIN) $(ASAN_UNIT_BIN) $(FUZZ_BIN) $(BENCH_BIN) $(PLAIN_BENCH) $(FAULT_SO) $(CRASH_SO)
	@tests/run.sh

demo: $(B)/tims
	@scripts/demo.sh

fuzz: $(FUZZ_BIN)
	@tests/fuzz/run.sh $${FUZZ_SECONDS:-60}

soak: $(B)/tims $(FAULT_SO) $(CRASH_SO)
	@tests/soak.sh

bench: $(B)/tims $(BENCH_BIN) $(PLAIN_BENCH)
	@bench/run.sh

# install: the program, its manual pages, the web consoles, the systemd units
# with their sysusers.d and tmpfiles.d entries, and the daemons' configuration
# files (never over ones already there). PREFIX=/usr/local by default; the
# Debian package (debian/rules) installs with PREFIX=/usr SYSCONFDIR=/etc
# UNITDIR=/lib/systemd/system into its DESTDIR. The units name the program
# and the configuration by their installed paths.
UNITDIR ?= $(PREFIX)/lib/systemd/system
UNITS := tims-post.service tims-centre.service tims-witness.service
install: $(B)/tims $(MO)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man8 \
		$(DESTDIR)$(PREFIX)/share/tims/web/dashboard $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(PREFIX)/share/tims/web/i18n $(DESTDIR)$(PREFIX)/share/tims/web/dashboard/i18n \
		$(DESTDIR)$(PREFIX)/lib/sysusers.d $(DESTDIR)$(PREFIX)/lib/tmpfiles.d \
		$(DESTDIR)$(SYSCONFDIR)/tims
	install -m 0755 $(B)/tims $(DESTDIR)$(PREFIX)/bin/tims
	install -m 0644 man/man1/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 man/man5/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 0644 man/man8/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 0644 web/index.html web/console.js web/console.css web/i18n.js $(DESTDIR)$(PREFIX)/share/tims/web/
	install -m 0644 web/i18n/*.json $(DESTDIR)$(PREFIX)/share/tims/web/i18n/
	install -m 0644 web/dashboard/*.html web/dashboard/*.js web/dashboard/*.css $(DESTDIR)$(PREFIX)/share/tims/web/dashboard/
	install -m 0644 web/dashboard/i18n/*.json $(DESTDIR)$(PREFIX)/share/tims/web/dashboard/i18n/
	for l in $(LANGS); do \
		install -d $(DESTDIR)$(PREFIX)/share/locale/$$l/LC_MESSAGES && \
		install -m 0644 $(B)/locale/$$l/LC_MESSAGES/tims.mo $(DESTDIR)$(PREFIX)/share/locale/$$l/LC_MESSAGES/tims.mo || exit 1; \
	done
	for u in $(UNITS); do \
		sed -e 's|/usr/bin/tims|$(PREFIX)/bin/tims|g' -e 's|/etc/tims/|$(SYSCONFDIR)/tims/|g' \
			systemd/$$u >$(DESTDIR)$(UNITDIR)/$$u && chmod 0644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done
	install -m 0644 systemd/tims.sysusers $(DESTDIR)$(PREFIX)/lib/sysusers.d/tims.conf
	install -m 0644 systemd/tims.tmpfiles $(DESTDIR)$(PREFIX)/lib/tmpfiles.d/tims.conf
	for f in post centre witness; do \
		[ -e $(DESTDIR)$(SYSCONFDIR)/tims/$$f.conf ] || \
		install -m 0644 systemd/$$f.conf $(DESTDIR)$(SYSCONFDIR)/tims/$$f.conf || exit 1; \
	done

deps:
	bash scripts/deps.sh

clean:
	rm -rf $(B)

-include $(shell find $(B) -name '*.d' 2>/dev/null)
