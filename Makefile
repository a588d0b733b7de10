# Two commands on a fresh machine: `make demo` and `make test` (each creates the venv first).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
REQUIREMENTS := requirements.txt requirements-program.txt requirements-local.txt requirements-dev.txt
STAMP := $(VENV)/.installed-$(shell cat $(REQUIREMENTS) | cksum | cut -d' ' -f1)

.PHONY: venv demo test lint plan check simulate bench reliability clean

$(STAMP): $(REQUIREMENTS)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

venv: $(STAMP)

demo: venv
	@echo "== plan (dev stack, captured under Pulumi's mock runtime) =="
	@$(PY) -m local plan --stack dev --summary
	@if $(PY) -c "import local.check" 2>/dev/null; then \
		echo; echo "== policy check (CrossGuard pack, offline) =="; $(PY) -m local check --stack dev; fi
	@echo; echo "== consent race on the embedded AWS emulator =="
	@$(PY) -m local simulate --stack dev --scenario scenarios/consent-race.json

test: venv lint
	$(PY) -m pytest -n auto

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy infra eventfork local functions/buffer policies/eventfork_policies
	$(PY) -m mypy functions/shared/card_redaction.py
	for f in forwarder replay redaction; do MYPYPATH=functions/shared $(PY) -m mypy functions/$$f/app.py || exit 1; done

bench: venv
	$(PY) -m local bench

reliability: venv
	$(PY) -m local.simulate.reliability

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
