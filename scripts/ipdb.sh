#!/bin/sh
# ipdb.sh DIR: installs the offline IP data that internal/enrich reads into DIR
# (make ipdb: data/ipdb), from two pinned npm packages of ip-location-db:
#
#   @ip-location-db/asn                          asn-ipv4.csv (23.8 MB), asn-ipv6.csv (8.8 MB):
#                                                start,end,asn,org; CC BY 4.0 (DB-IP, RouteViews, NRO)
#   @ip-location-db/geo-whois-asn-country-mmdb   geo-whois-asn-country.mmdb (7.8 MB, IPv4 and IPv6):
#                                                country_code; CC0-1.0
#
# The ASN package holds CSVs only (its MMDB form is another package,
# @ip-location-db/asn-mmdb); the numeric *-num.csv variants and the per-family
# country MMDBs are not kept. The licence files come along, and DIR/SOURCE
# records package, version, licence and attribution; internal/enrich reads it
# for the UI. Nothing is fetched at run time: this script is the only download.
#
# Idempotent: when DIR/SOURCE already names these versions and the files are
# there, nothing is done. Files are staged next to DIR and moved into place,
# SOURCE last, so an interrupted run leaves no SOURCE that lies.
#
# The npm data has known errors and its npm updates are deprecated upstream
# (see the packages' README); the versions stay pinned here on purpose. Users
# who need better data point serve at their own MaxMind GeoLite2 files.
set -eu

ASN_PKG=@ip-location-db/asn
ASN_VERSION=2.3.2026061719
COUNTRY_PKG=@ip-location-db/geo-whois-asn-country-mmdb
COUNTRY_VERSION=2.3.2026061719
NPM=${NPM:-npm}

ASN_FILES="asn-ipv4.csv asn-ipv6.csv"
COUNTRY_FILES="geo-whois-asn-country.mmdb"

if [ $# -ne 1 ]; then
	echo "usage: $0 DIR" >&2
	exit 2
fi
dir=$1

# The SOURCE this run would write; an identical one means we are done.
source_text() {
	cat <<EOF
# IP data for parse-dmarc, installed by scripts/ipdb.sh. Do not edit.
asn.package=$ASN_PKG
asn.version=$ASN_VERSION
asn.license=CC-BY-4.0
asn.attribution=IP to ASN data by DB-IP (https://db-ip.com), RouteViews and NRO, via ip-location-db, CC BY 4.0
asn.url=https://db-ip.com
asn.files=$ASN_FILES
country.package=$COUNTRY_PKG
country.version=$COUNTRY_VERSION
country.license=CC0-1.0
country.attribution=IP to country data by ip-location-db (GeoFeed, RIR whois and ASN data), CC0
country.url=https://github.com/sapics/ip-location-db
country.files=$COUNTRY_FILES
EOF
}

uptodate=1
if [ -f "$dir/SOURCE" ] && [ "$(source_text)" = "$(cat "$dir/SOURCE")" ]; then
	for f in $ASN_FILES $COUNTRY_FILES; do
		[ -s "$dir/$f" ] || uptodate=0
	done
else
	uptodate=0
fi
if [ $uptodate = 1 ]; then
	echo "ipdb: $dir is up to date ($ASN_PKG@$ASN_VERSION, $COUNTRY_PKG@$COUNTRY_VERSION)"
	exit 0
fi

mkdir -p "$dir"
tmp=$(mktemp -d)
stage="$dir.tmp.$$"
trap 'rm -rf "$tmp" "$stage"' EXIT
# A signal exits through the EXIT trap, so nothing is left behind.
trap 'exit 1' HUP INT TERM PIPE
mkdir -p "$stage"

# Licence files get a prefix so the two packages' NRO_LICENSE stay apart.
for spec in "asn:$ASN_PKG:$ASN_VERSION:$ASN_FILES" "country:$COUNTRY_PKG:$COUNTRY_VERSION:$COUNTRY_FILES"; do
	prefix=${spec%%:*}
	rest=${spec#*:}
	pkg=${rest%%:*}
	rest=${rest#*:}
	version=${rest%%:*}
	files=${rest#*:}
	echo "ipdb: npm pack $pkg@$version"
	tgz=$(cd "$tmp" && "$NPM" pack --silent "$pkg@$version" | tail -n 1)
	members=$(tar -tzf "$tmp/$tgz" | grep -E '^package/([^/]*LICENSE[^/]*|MODIFICATIONS)$' || true)
	for f in $files; do
		members="$members package/$f"
	done
	# shellcheck disable=SC2086 # members are plain file names
	tar -xzf "$tmp/$tgz" -C "$tmp" $members
	for m in $members; do
		f=${m#package/}
		case "$f" in
		*.csv | *.mmdb) mv "$tmp/package/$f" "$stage/$f" ;;
		*) mv "$tmp/package/$f" "$stage/$prefix-$f" ;;
		esac
	done
	rm -rf "${tmp:?}/package" "${tmp:?}/$tgz"
done

rm -f "$dir/SOURCE"
for f in "$stage"/*; do
	mv -f "$f" "$dir/"
done
source_text >"$dir/SOURCE.tmp"
mv -f "$dir/SOURCE.tmp" "$dir/SOURCE"
echo "ipdb: installed into $dir:"
ls -l "$dir"
