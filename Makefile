# Two entry points for a new user: `make demo` writes a real report, `make test` runs the tests.
# Both create the virtual environment (and install missing system packages) themselves; `make test`
# also installs the programs some tests drive (Chromium, LibreOffice Calc) when they are missing.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint setup clean samples

demo: $(STAMP)
	$(VENV)/bin/reporter report --config sample_inputs/report.toml

test: $(STAMP)
	sh scripts/test_system_packages.sh
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check reporter tests scripts benchmarks
	$(VENV)/bin/mypy reporter

setup: $(STAMP)

$(STAMP): pyproject.toml scripts/bootstrap.sh
	VENV=$(VENV) sh scripts/bootstrap.sh
	touch $(STAMP)

samples: $(STAMP)
	$(PY) scripts/make_synthetic_org.py --out sample_inputs/synthetic-acme

clean:
	rm -rf $(VENV) out build *.egg-info
