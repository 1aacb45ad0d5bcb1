# kpidash: `make run` to try it, `make test` to test it. Both set themselves up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test lint typecheck assets migrate demo clean bench

$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

static/build/kpidash.css: node_modules/.package-lock.json $(wildcard assets/*.scss assets/js/*)
	npm run build

assets: static/build/kpidash.css

migrate: $(BIN)/.installed
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_demo

run: $(BIN)/.installed assets demo
	@echo
	@echo "kpidash is starting at http://127.0.0.1:$(PORT)/  (Ctrl+C stops the web server and worker)"
	@echo
	PATH="$(CURDIR)/$(BIN):$$PATH" PORT=$(PORT) $(BIN)/honcho start

test: $(BIN)/.installed assets
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy with django-stubs over the modules listed in pyproject.toml ([tool.mypy] files).
typecheck: $(BIN)/.installed
	$(BIN)/mypy

clean:
	rm -rf $(VENV) node_modules static/build staticfiles var
