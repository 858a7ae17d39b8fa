#!/bin/sh
# Builds a git repository with a long history for benchmarks: one commit per
# package of TREE (the benchmark tree), then MODS commits that each change a
# few files, so that files exist in many versions.
# Usage: scripts/make-history.sh TREE REPO [MODS]
set -eu
tree=$1 repo=$2 mods=${3:-1500}
rm -rf "$repo"
git init -q -b main "$repo"
git -C "$repo" config user.email bench@example.invalid
git -C "$repo" config user.name bench
git -C "$repo" config commit.gpgsign false
git -C "$repo" config gc.auto 0
for dir in "$tree"/*/; do
    name=$(basename "$dir")
    mkdir -p "$repo/$name"
    (cd "$dir" && tar --exclude=.git -cf - .) | (cd "$repo/$name" && tar -xf -)
    git -C "$repo" add -A "$name" >/dev/null 2>&1
    git -C "$repo" commit -q --no-verify -m "import $name" >/dev/null
done
files=$(cd "$repo" && git ls-files | grep -E '\.(swift|md)$' | head -5000)
i=0
for f in $files; do
    i=$((i + 1))
    [ "$i" -gt "$mods" ] && break
    echo "// change $i" >> "$repo/$f"
    git -C "$repo" commit -q --no-verify -am "change $i" >/dev/null
done
git -C "$repo" gc -q
echo "$(git -C "$repo" rev-list --all | wc -l) commits, $(git -C "$repo" rev-list --objects --all --filter=object:type=blob --filter-provided-objects | grep -c ' ') blobs"
