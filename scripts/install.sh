#!/bin/sh
# Installs keyleak from its release tarball, checking every checksum first:
#   PREFIX/bin/keyleak
#   PREFIX/share/man/man1/keyleak.1
#   PREFIX/share/bash-completion/completions/keyleak
#   PREFIX/share/zsh/site-functions/_keyleak
#   PREFIX/share/fish/vendor_completions.d/keyleak.fish
#   PREFIX/share/keyleak/hooks/ (pre-commit, pre-push, pre-receive), README.md, LICENSE
#
# Usage: install.sh [PREFIX]      (default: /usr/local as root, else ~/.local)
#
# Run from an unpacked release folder (the tarball holds this script), it
# installs that folder after `sha256sum -c SHA256SUMS` in it. Run from a
# source clone (scripts/install.sh), it installs the tarball scripts/package
# wrote: .build/dist/keyleak-*-linux-<arch>.tar.gz, or the one KEYLEAK_TARBALL
# names, checked first against the SHA256SUMS file beside it, then unpacked
# into a temporary folder and checked again. Nothing is installed when a
# checksum is missing or does not match (exit 2).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -gt 1 ] || [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
    echo "usage: $0 [PREFIX]   (default: /usr/local as root, else ~/.local)" >&2
    exit 2
fi
if [ $# -eq 1 ]; then
    prefix=$1
elif [ "$(id -u)" = 0 ]; then
    prefix=/usr/local
else
    prefix=$HOME/.local
fi
die() { echo "install.sh: $*" >&2; exit 2; }
command -v sha256sum >/dev/null 2>&1 || die "sha256sum is needed to check the files"

tmp=""
cleanup() { [ -z "$tmp" ] || rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 2' HUP INT TERM

if [ -f "$here/keyleak" ] && [ -f "$here/SHA256SUMS" ]; then
    release=$here
else
    # A source clone: the tarball scripts/package made.
    tarball=${KEYLEAK_TARBALL:-}
    if [ -z "$tarball" ]; then
        dist=$(cd "$here/.." && pwd)/.build/dist
        tarball=$(ls "$dist"/keyleak-*-linux-"$(uname -m)".tar.gz 2>/dev/null | sort -V | tail -1 || true)
        [ -n "$tarball" ] || die "no release tarball in $dist: run scripts/package first, or set KEYLEAK_TARBALL"
    fi
    [ -f "$tarball" ] || die "$tarball: no such file"
    sums=$(dirname "$tarball")/SHA256SUMS
    [ -f "$sums" ] || die "$sums: missing, so $(basename "$tarball") cannot be checked"
    file=$(basename "$tarball")
    grep -q "  $file\$" "$sums" || die "$sums has no line for $file"
    (cd "$(dirname "$tarball")" && grep "  $file\$" SHA256SUMS | sha256sum -c --strict --quiet -) \
        || die "$file does not match its checksum in $sums: not installed"
    tmp=$(mktemp -d)
    tar -xzf "$tarball" -C "$tmp" || die "$file: cannot unpack"
    release=$tmp/${file%.tar.gz}
    [ -d "$release" ] || die "$file does not hold the folder ${file%.tar.gz}/"
fi

# Every file the release lists must match, and every file it ships must be listed.
(cd "$release" && sha256sum -c --strict --quiet SHA256SUMS) || die "$release: a file does not match SHA256SUMS: not installed"
for f in keyleak doc/keyleak.1 complete/keyleak.bash complete/_keyleak complete/keyleak.fish; do
    grep -q "  $f\$" "$release/SHA256SUMS" || die "$release/SHA256SUMS does not list $f: not installed"
done

install -d "$prefix/bin" "$prefix/share/man/man1" "$prefix/share/bash-completion/completions" \
    "$prefix/share/zsh/site-functions" "$prefix/share/fish/vendor_completions.d" "$prefix/share/keyleak/hooks"
install -m 755 "$release/keyleak" "$prefix/bin/keyleak"
install -m 644 "$release/doc/keyleak.1" "$prefix/share/man/man1/keyleak.1"
install -m 644 "$release/complete/keyleak.bash" "$prefix/share/bash-completion/completions/keyleak"
install -m 644 "$release/complete/_keyleak" "$prefix/share/zsh/site-functions/_keyleak"
install -m 644 "$release/complete/keyleak.fish" "$prefix/share/fish/vendor_completions.d/keyleak.fish"
for hook in "$release"/hooks/*; do
    install -m 755 "$hook" "$prefix/share/keyleak/hooks/$(basename "$hook")"
done
for doc in README.md LICENSE THIRD-PARTY-NOTICES; do
    if [ -f "$release/$doc" ]; then install -m 644 "$release/$doc" "$prefix/share/keyleak/$doc"; fi
done

echo "installed $("$prefix/bin/keyleak" version | head -1) in $prefix/bin/keyleak"
case ":$PATH:" in
    *":$prefix/bin:"*) ;;
    *) echo "note: $prefix/bin is not on your PATH" ;;
esac
