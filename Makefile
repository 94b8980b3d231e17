# Single entry point. Every target goes through bootstrap.py, which owns the .venv.
PY ?= python3.11
VENV_PY = .venv/bin/python

.PHONY: run test lint format bench bench-web settings-doc

run:            ## set up, seed the demo commune and serve on http://127.0.0.1:8000
	$(PY) bootstrap.py run

test:           ## the whole test suite (SQLite, then PostgreSQL when COMMUNIA_TEST_POSTGRES_URL is set)
	$(PY) bootstrap.py test

lint:           ## ruff check + format check
	$(PY) bootstrap.py lint

format:
	.venv/bin/ruff format src tests benchmarks bootstrap.py && .venv/bin/ruff check --fix src tests benchmarks bootstrap.py

settings-doc:   ## regenerate docs/settings.md from the declarations
	.venv/bin/communia settings-doc --output docs/settings.md

bench: bench-web bench-documents bench-privacy bench-voice bench-llm bench-water bench-water-scenarios bench-search bench-assistant bench-canteen ## every benchmark (figures are recorded in docs/benchmarks.md)

bench-web:      ## home page and API latency with 10 concurrent clients (wrk), CLI start time
	$(VENV_PY) benchmarks/web.py

bench-documents: ## text-PDF and OCR pages/s on the real CRPA
	$(VENV_PY) benchmarks/documents.py --ocr-pages 6

bench-privacy:  ## personal-data detection vs Presidio, per entity type
	$(VENV_PY) benchmarks/privacy_bench.py --json docs/benchmarks/privacy-results.json

bench-voice:    ## speech-to-text WER on real French clips, phone answer latency
	nice $(VENV_PY) benchmarks/voice.py all

bench-llm:      ## local LLM: load time, tokens/s, time to first token
	$(VENV_PY) benchmarks/llm_bench.py --runs 3 --max-tokens 64

bench-water:    ## leak detection on L-Town 2018 (BattLeDIM score) vs minimum night flow; pipe risk
	$(VENV_PY) -m communia.modules.water.bench --data ../shared/data/water/ltown-2018

WATER_GEN = var/water-scenarios
WATER_INP = ../shared/data/water/ltown-2018
bench-water-scenarios: ## leak detection on generated L-Town periods (simulated first: ~4 min each)
	@for spec in "2019 1 120" "2020 2 120" "2021 3 120" "2022 4 120" "2023 5 120" "2024 6 120" "2025 8 120" "2026 9 120" "2019 7 365" "2031 11 120" "2032 12 120" "2033 13 120" "2034 14 120" "2035 15 120" "2036 16 120"; do \
	  set -- $$spec; dir=$(WATER_GEN)/gen$$2-$$1$$( [ $$3 = 365 ] && echo -full ); \
	  [ -f $$dir/leaks.csv ] || $(VENV_PY) -m communia.modules.water.scenarios --inp $(WATER_INP)/L-TOWN.inp \
	    --sensors-from $(WATER_INP) --year $$1 --days $$3 --scenario-seed $$2 --out $$dir; done
	$(VENV_PY) benchmarks/water_scenarios.py --method mnf --label "MNF (référence)" $(WATER_GEN)/gen[1-689]-* $(WATER_GEN)/gen7-2019-full
	$(VENV_PY) benchmarks/water_scenarios.py --label "nouveau, auto-calibré" $(WATER_GEN)/gen[1-689]-* $(WATER_GEN)/gen7-2019-full
	$(VENV_PY) benchmarks/water_scenarios.py --label "nouveau, calibré sur gen1" --calibration $(WATER_GEN)/gen1-2019 $(WATER_GEN)/gen[2-689]-*
	$(VENV_PY) benchmarks/water_scenarios.py --label "nouveau, calibré sur l'année gen7" --calibration $(WATER_GEN)/gen7-2019-full $(WATER_GEN)/gen[2-689]-*
	$(VENV_PY) benchmarks/water_scenarios.py --label "non vus (v3), calibré sur gen1" --calibration $(WATER_GEN)/gen1-2019 $(WATER_GEN)/gen1[1-6]-*

bench-search:   ## hybrid retrieval quality vs BM25 alone; index build and query latency at 10k/100k; IVF vector index vs exact search
	$(VENV_PY) benchmarks/search_bench.py quality
	$(VENV_PY) benchmarks/search_bench.py scale --sizes 10000 100000
	$(VENV_PY) benchmarks/search_bench.py ann --sizes 10000 100000 --queries 100 --probes 8 16 32

bench-assistant: ## citizen assistant: right fiche, right service, emergencies, answer time, 20 HTTP chats, with the LLM
	$(VENV_PY) benchmarks/assistant_bench.py setup
	$(VENV_PY) benchmarks/assistant_bench.py run
	$(VENV_PY) benchmarks/assistant_bench.py http
	$(VENV_PY) benchmarks/assistant_bench.py llm

bench-canteen:  ## meal forecasts on Nantes: model vs naive baselines vs human orders
	$(VENV_PY) -m communia.modules.canteen.bench --data ../shared/data/cantine/nantes --out docs/benchmarks/canteen-raw.md
	$(VENV_PY) -m communia.modules.canteen.bench --data ../shared/data/cantine/nantes --roles test --refit-every 2 --out docs/benchmarks/canteen-product-raw.md
