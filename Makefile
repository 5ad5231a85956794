# 助农E终端 kiosk. `make run` and `make test` set everything up first when needed.
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.setup-done
OUT   ?= build/demo

.PHONY: setup catalogs run test test-slow lint bench clean deb deb-check deb-test

setup: $(STAMP) catalogs

$(STAMP): pyproject.toml packaging/debian-packages.txt packaging/setup-dev.sh
	bash packaging/setup-dev.sh
	touch $(STAMP)

# .po -> .mo for the catalogs that changed since they were compiled (quick when none did).
catalogs: $(STAMP)
	@$(PY) -m kiosk.i18n compile >/dev/null

# With a display: the kiosk with every simulator (the built-in demo config).
# Without one: the autopilot drives the GUI offscreen and says where its pictures are.
run: setup
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
		$(VENV)/bin/kiosk run --sim; \
	else \
		echo "No display: running the autopilot instead (kiosk demo --out $(OUT))."; \
		$(VENV)/bin/kiosk demo --out $(OUT); rc=$$?; \
		echo "Screenshots, receipts and summary.json are in $(abspath $(OUT))"; exit $$rc; \
	fi

# The suite runs in TEST_WORKERS processes (pytest-xdist; worksteal keeps a module's tests
# together where it can; a worker that dies is replaced and its test reported as failed). Most
# tests wait on timers, sockets and simulator processes, so 3 workers pay on 2 cores.
# TEST_WORKERS=0 runs it in this process. The whole run is capped (75 min; CI has 90 with
# set-up) so that a hang outside any test still ends CI with output.
TEST_WORKERS ?= 3
test: setup
	timeout --kill-after=30 4500 $(PY) -m pytest -m "not slow" -q -n $(TEST_WORKERS) --dist worksteal --durations=15

test-slow: setup
	$(PY) -m pytest -m slow -q

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy devices offline_queue kiosk/host

bench: setup
	$(PY) -m pytest bench/bench_*.py -q -p no:cacheprovider --benchmark-only

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache

# The bank host simulator against its contract (docs/host-api.yaml): schemathesis over mutual
# TLS, a bounded number of examples per operation (FUZZ_EXAMPLES).
FUZZ_EXAMPLES ?= 25
.PHONY: fuzz
fuzz: setup
	$(VENV)/bin/pip install -q -e '.[fuzz]'
	$(PY) -m peripherals_sim.bank_host.fuzz --max-examples $(FUZZ_EXAMPLES)

# The appliance packages (docs/appliance.md): zhunong-kiosk and zhunong-kiosk-sim .debs.
DEB_REVISION ?= 1
DEB_COMPRESS ?= xz
deb:
	bash packaging/deb/build.sh --revision $(DEB_REVISION) --compress $(DEB_COMPRESS)

# lintian on the built packages: no errors allowed (takes ~4 min on the 300 MB venv).
# (systemd-analyze verify runs in deb-test, inside a root where everything the units name is.)
deb-check: deb
	@v=$$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml | head -1)-$(DEB_REVISION); \
	out=$$(lintian --tag-display-limit 0 build/deb/zhunong-kiosk_$${v}_*.deb \
		build/deb/zhunong-kiosk-sim_$${v}_*.deb 2>&1); echo "$$out"; \
	! grep -q '^E:' <<<"$$out"

# The slow install test: clean Debian 12 root (debootstrap), install, upgrade, purge.
deb-test: setup
	$(PY) -m pytest tests/appliance/test_deb.py -m slow -q
