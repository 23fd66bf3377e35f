# One task runner for developers and CI. Needs only Python 3.11+ and make.
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never

.PHONY: setup run test lint format typecheck imports pytest evals bench clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

setup: $(UV) ## Create .venv from the lock file
	$(UV) sync --locked --quiet

run: setup ## Set up, then run the service (embedded Postgres + demo data unless configured)
	$(VENV)/bin/renos serve

# The scenario suite with the offline model must keep at least this overall pass^1.
EVAL_FLOOR ?= 0.98

test: setup lint typecheck imports pytest evals ## Set up, then lint, type-check and test everything

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

typecheck:
	$(VENV)/bin/mypy .

imports:
	$(VENV)/bin/lint-imports

pytest:
	$(VENV)/bin/pytest -q -p no:cacheprovider

evals: ## The scenario suite (offline model); fails under EVAL_FLOOR
	$(VENV)/bin/renos eval run evals/scenarios --jobs 4 --min-pass-rate $(EVAL_FLOOR) \
		--report .renos/eval/report.json

clean:
	rm -rf .tools $(VENV) .mypy_cache .ruff_cache
