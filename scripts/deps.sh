#!/bin/sh
# Installs the Debian packages warroom needs to build, test and run. As root
# it runs apt-get; otherwise it prints the exact command and fails, so a
# missing package is named rather than discovered as a compile error.
# nginx and Swift are real servers the publishing tests start on 127.0.0.1;
# python3-jsonschema checks the published documents against their schemas.
set -eu

PKGS="make gcc pkg-config libncurses-dev libsqlite3-dev sqlite3 \
libcurl4-openssl-dev libjansson-dev libcmocka-dev libsodium-dev \
clang libclang-rt-dev tmux jq procps curl \
nginx swift swift-proxy swift-account swift-container swift-object \
python3-jsonschema"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f '${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	echo "deps: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing
else
	echo "deps: missing Debian packages:$missing" >&2
	echo "deps: run: sudo apt-get update && sudo apt-get install -y --no-install-recommends$missing" >&2
	exit 1
fi
