# Thin wrapper over Meson + ninja so that `make`, `make check` and
# `make demo` work for a newcomer.  Build trees:
#   build/       the normal build (make), -O3: about 2% less time per
#                message than -O2 (bench_loop over the bench's messages).
#                Not link-time optimisation: it inlines the stages across
#                files, and the bench's callgrind table counts them by
#                function
#   build-san/   ASan + UBSan, used by make check
#   build-fuzz/  clang + libFuzzer targets (make fuzz)
MESON	?= meson
NINJA	?= ninja

all: build/build.ninja
	$(NINJA) -C build

build/build.ninja:
	$(MESON) setup build -Doptimization=3

build-san/build.ninja:
	$(MESON) setup build-san -Db_sanitize=address,undefined -Db_lundef=false

build-fuzz/build.ninja:
	CC=clang $(MESON) setup build-fuzz -Dfuzz=true \
	    -Db_sanitize=address,undefined -Db_lundef=false \
	    -Dc_args=-fsanitize=fuzzer-no-link

san: build-san/build.ninja
	$(NINJA) -C build-san

fuzz: build-fuzz/build.ninja
	$(NINJA) -C build-fuzz

# Installs what is missing, builds, runs mailtrust check on examples/.
demo:
	sh scripts/install-deps build
	$(MAKE) all
	sh scripts/demo

# Installs what is missing, builds with sanitizers, runs every test.
# The libFuzzer targets are built too, so that clang's warnings on them
# fail here and not first on the next fuzzing session.
check:
	sh scripts/install-deps test
	$(MAKE) san
	$(MAKE) fuzz
	/usr/bin/python3 tests/run build-san

clean:
	rm -rf build build-san build-fuzz

.PHONY: all san fuzz demo check clean
