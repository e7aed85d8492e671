#!/bin/sh
# Runs every fuzz target of the module (each func Fuzz* of every package)
# for the time given (default 10m) each, one after the other; stops at the
# first failure, whose input go test keeps in the package's testdata/fuzz.
set -e
time=${1:-10m}
for pkg in $(go list ./...); do
	for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
		echo "== $pkg $target"
		go test -run '^$' -fuzz "^$target\$" -fuzztime "$time" "$pkg"
	done
done
