#!/bin/sh
# Copies PDF.js (npm package pdfjs-dist) into static/vendor/pdfjs/, served by Paragraf itself
# (no third-party host). Usage: scripts/update-pdfjs.sh [version]; docs/reading.md.
set -eu
version="${1:-$(npm view pdfjs-dist version)}"
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack "pdfjs-dist@$version" >/dev/null 2>&1
tar xzf "pdfjs-dist-$version.tgz"
out="$here/static/vendor/pdfjs"
mkdir -p "$out"
cp package/build/pdf.min.mjs package/build/pdf.worker.min.mjs package/LICENSE "$out/"
# Only the text layer's rules of the viewer's stylesheet (the reading view has its own chrome).
awk '/^\.textLayerImages \{/{exit} /^\.textLayer \{/{p=1} p' package/web/pdf_viewer.css >"$out/text_layer.css"
echo "$version" >"$out/VERSION"
echo "PDF.js $version in $out"
