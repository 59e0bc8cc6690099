# dapr-ts: the two commands a fresh machine needs are `make demo` and `make test`.
SHELL := /bin/bash
NODE_MODULES := node_modules/.package-lock.json

.PHONY: build test demo bench clean services typecheck

$(NODE_MODULES): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $(NODE_MODULES)

build: $(NODE_MODULES)
	npx tsc -p tsconfig.build.json

typecheck: $(NODE_MODULES)
	npx tsc --noEmit -p tsconfig.json

services:
	bash test/support/ensure-services.sh

test: build services typecheck
	npx vitest run

demo: build
	node dist/demo/demo.js

bench: build services
	node dist/bench/run-all.js

clean:
	rm -rf dist
