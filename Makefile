.PHONY: run test bench lint translations

run:            ## install, migrate, load demo data, start on http://127.0.0.1:5000
	scripts/run.sh

test:           ## the whole suite: checks, SQLite, PostgreSQL, browser
	scripts/test.sh

bench:          ## benchmarks at the standard size (see README, Performance)
	scripts/bootstrap.sh --dev && .venv/bin/python bench/run.py

translations:   ## re-extract strings, update both catalogues, list what Spanish lacks
	.venv/bin/python scripts/i18n.py update
