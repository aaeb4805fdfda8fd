# coopgraph — the two commands a newcomer needs are `make serve` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STORE ?= var/store
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest-xdist: one worker per core; --dist loadfile keeps a file's tests (and its module-wide
# servers and built stores) on one worker. `make test PYTEST_ARGS=` runs serially.
PYTEST_ARGS ?= -n auto --dist loadfile
STAMP := $(VENV)/.installed

.PHONY: install build serve test lint typecheck links bench clean vendor

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)  ## create the virtualenv and install coopgraph with its test tools

build: $(STAMP)  ## validate the sources and (re)build the store
	$(BIN)/coopgraph build --store $(STORE)

$(STORE):
	$(MAKE) build

serve: $(STAMP) | $(STORE)  ## build the store if missing, then serve on http://$(HOST):$(PORT)
	$(BIN)/coopgraph serve --store $(STORE) --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check server tests bench

typecheck: $(STAMP)  ## mypy on server/coopgraph (configuration: [tool.mypy] in pyproject.toml)
	$(BIN)/mypy

test: $(STAMP) lint typecheck  ## lint, type-check, then the whole test suite
	$(BIN)/pytest -q $(PYTEST_ARGS)

links: $(STAMP)  ## regenerate data/links/ from the verified reference table
	$(BIN)/coopgraph links

bench: $(STAMP)  ## the benchmark (not part of `make test`); see docs/benchmarks.md
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m bench.run

# Front-end packages (npm registry), vendored and committed so `make serve` needs no npm.
VENDOR := server/coopgraph/web/static/vendor
NPM_PACKAGES := @zazuko/yasgui@4.6.2 leaflet@1.9.4 world-atlas@2.0.2 topojson-client@3.1.0 \
	cytoscape@3.35.0
# The ISO 3166-1 alpha-3 → numeric table (the map finds countries by code) comes from Debian's
# iso-codes package (apt-get install iso-codes).
vendor:  ## re-fetch the vendored front-end packages from the npm registry
	tmp=$$(mktemp -d) && cd $$tmp && echo '{"private":true}' > package.json \
	&& npm install --silent --no-audit --no-fund --ignore-scripts $(NPM_PACKAGES) \
	&& cd - >/dev/null && m=$$tmp/node_modules && rm -rf $(VENDOR) \
	&& mkdir -p $(VENDOR)/yasgui $(VENDOR)/leaflet/images $(VENDOR)/world-atlas \
	   $(VENDOR)/topojson-client $(VENDOR)/cytoscape \
	&& cp $$m/@zazuko/yasgui/build/yasgui.min.js $$m/@zazuko/yasgui/build/yasgui.min.css \
	   $$m/@zazuko/yasgui/package.json $(VENDOR)/yasgui/ \
	&& cp $$m/leaflet/dist/leaflet.js $$m/leaflet/dist/leaflet.css $$m/leaflet/LICENSE \
	   $$m/leaflet/package.json $(VENDOR)/leaflet/ \
	&& cp $$m/leaflet/dist/images/* $(VENDOR)/leaflet/images/ \
	&& cp $$m/world-atlas/countries-110m.json $$m/world-atlas/LICENSE \
	   $$m/world-atlas/package.json $(VENDOR)/world-atlas/ \
	&& cp $$m/topojson-client/dist/topojson-client.min.js $$m/topojson-client/LICENSE \
	   $$m/topojson-client/package.json $(VENDOR)/topojson-client/ \
	&& cp $$m/cytoscape/dist/cytoscape.min.js $$m/cytoscape/LICENSE \
	   $$m/cytoscape/package.json $(VENDOR)/cytoscape/ \
	&& printf '%s\n' 'MIT License (the npm package declares "license": "MIT" and ships no LICENSE file)' \
	   'Copyright (c) Triply B.V., Zazuko GmbH and the Yasgui contributors (github.com/zazuko/Yasgui)' \
	   '' \
	   'Permission is hereby granted, free of charge, to any person obtaining a copy of this software' \
	   'and associated documentation files (the "Software"), to deal in the Software without' \
	   'restriction, including without limitation the rights to use, copy, modify, merge, publish,' \
	   'distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the' \
	   'Software is furnished to do so, subject to the following conditions:' \
	   '' \
	   'The above copyright notice and this permission notice shall be included in all copies or' \
	   'substantial portions of the Software.' \
	   '' \
	   'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING' \
	   'BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND' \
	   'NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,' \
	   'DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,' \
	   'OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.' \
	   > $(VENDOR)/yasgui/LICENSE \
	&& mkdir -p $(VENDOR)/iso-codes && cp /usr/share/doc/iso-codes/copyright $(VENDOR)/iso-codes/LICENSE \
	&& python3 -c 'import json; d = json.load(open("/usr/share/iso-codes/json/iso_3166-1.json")); \
	   json.dump({c["alpha_3"]: c["numeric"] for c in d["3166-1"]}, \
	   open("$(VENDOR)/iso-codes/alpha3-numeric.json", "w"), sort_keys=True, separators=(",", ":"))' \
	&& rm -rf $$tmp && du -sh $(VENDOR)

clean:
	rm -rf $(VENV) var
