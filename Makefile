# dapr-ts: the two commands a fresh machine needs are `make demo` and `make test`.
SHELL := /bin/bash
NODE_MODULES := node_modules/.package-lock.json

.PHONY: build bundle protos test demo bench clean services typecheck

$(NODE_MODULES): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $(NODE_MODULES)

build: $(NODE_MODULES) protos
	npx tsc -p tsconfig.build.json
	$(MAKE) --no-print-directory bundle

# The CLI as shipped (package.json "bin", the image), as one ES module plus lazily loaded
# chunks in dist/bundle/: what goes in and why is in tools/build-bundle.ts.
bundle:
	rm -rf dist/bundle
	npx tsx tools/build-bundle.ts
	chmod +x dist/bundle/main.js

# The .proto files of the SDK packages, parsed once into sidecar/api/grpc/generated/
# (the sidecar loads those instead of parsing at start-up; rewritten only when they change).
protos: $(NODE_MODULES)
	npx tsx sidecar/api/grpc/generate-protos.ts

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
