#!/usr/bin/env bash
# Build kpidash front-end assets into static/build/ (git-ignored).
#
#   npm ci && npm run build      # fresh clone
#   npm run build                # after npm install
#
# Output (served via STATICFILES_DIRS = [BASE_DIR / "static"]):
#   static/build/kpidash.css              compiled + compressed Sass (Arial, no GDS Transport)
#   static/build/govuk-frontend.min.js    GOV.UK Frontend ES module bundle (+ .map)
#   static/build/body-class.js            classic script: adds js-enabled / govuk-frontend-supported
#   static/build/govuk-init.js            ES module: imports govuk-frontend and calls initAll()
#   static/build/paper-status.js          ES module: a paper's status page polls its JSON status while in flight
#   static/build/images/favicon.svg       kpidash's own favicon (no crown)
#
# Nothing here fetches from the network; everything comes from node_modules/ and assets/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

GOVUK="node_modules/govuk-frontend/dist/govuk"
OUT="static/build"
SASS="node_modules/.bin/sass"

if [[ ! -d "$GOVUK" || ! -x "$SASS" ]]; then
  echo "build_assets: node_modules missing - run 'npm ci' first" >&2
  exit 1
fi

rm -rf "$OUT"
mkdir -p "$OUT/images"

# 1. CSS. --load-path=node_modules lets the entry '@use "govuk-frontend/dist/govuk"'.
#    No source map: keeps ManifestStaticFilesStorage's post-processing simple.
"$SASS" \
  --load-path=node_modules \
  --style=compressed \
  --no-source-map \
  --quiet-deps \
  assets/kpidash.scss "$OUT/kpidash.css"

# 2. GOV.UK Frontend JS bundle (ES module). The .map is copied too because the
#    bundle ends with a sourceMappingURL comment, which ManifestStaticFilesStorage
#    follows during collectstatic.
cp "$GOVUK/govuk-frontend.min.js" "$GOVUK/govuk-frontend.min.js.map" "$OUT/"

# 3. Our small scripts and images. (GOV.UK's own images/fonts are deliberately
#    NOT copied: the crown, crest, logotype and GDS Transport are reserved for GOV.UK.)
cp assets/js/body-class.js assets/js/govuk-init.js assets/js/paper-status.js "$OUT/"
cp assets/images/favicon.svg "$OUT/images/"

# 4. Guard rails: fail the build if anything GOV.UK-reserved sneaked in.
if grep -qi -e "GDS Transport" -e "\.woff" -e "govuk-crest" -e "govuk-logotype" "$OUT/kpidash.css"; then
  echo "build_assets: reserved GOV.UK font/crest reference found in kpidash.css" >&2
  exit 1
fi

echo "build_assets: wrote $(cd "$OUT" && find . -type f | sort | tr '\n' ' ')"
echo "build_assets: kpidash.css is $(wc -c < "$OUT/kpidash.css") bytes"
