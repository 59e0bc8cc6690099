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

# The CLI as shipped (package.json "bin", the image): dist/cli/main.js and the modules
# it loads, with express (pure JS, loaded at every start), as one ES module plus lazily
# loaded chunks in dist/bundle/. Loading one file instead of ~330 starts a sidecar ~80 ms
# sooner. Every other package stays in node_modules: native code, or loaded only when a
# component, backend or subcommand needs it. CommonJS code inside the bundle calls
# `require` for Node's built-ins, hence the banner.
# iconv-lite and mime-db stay out too: express only reaches them through require() at run
# time, and bundled, their tables (~770 KB of source) would be held in memory as text.
BUNDLE_EXTERNAL = $(shell node -p "[...Object.keys(require('./package.json').dependencies).filter((d) => d !== 'express'), 'iconv-lite', 'mime-db'].flatMap((d) => ['--external:' + d, '--external:' + d + '/*']).join(' ')")
bundle:
	rm -rf dist/bundle
	node_modules/.bin/esbuild dist/cli/main.js --bundle --platform=node --format=esm --splitting \
	  --outdir=dist/bundle --log-level=warning $(BUNDLE_EXTERNAL) \
	  '--banner:js=import { createRequire as __bundleRequire } from "node:module"; const require = __bundleRequire(import.meta.url);'
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
