#!/bin/bash
# drift demo, part 2 (run by demo.sh inside the guest): the same attack in a
# real podman container, protected automatically by driftd and the OCI hook
# with no manual step. Exit 0 when drift blocked and reported it.
. "$(dirname "$0")/../integration/lib-runtime.sh"
DRIFTCTL=$REPO/ctl/driftctl

say() { printf '\n== %s\n' "$*"; }
problems=0
bad() { echo "!! unexpected: $*"; problems=$((problems + 1)); }

rt_init
say "11. driftd starts; podman gets drift's OCI hook (hooks.d, createRuntime)"
rt_start_driftd
rt_podman_hooks
cat "$RT/hooks.d/drift.json"
tar -C "$IMG" -cf "$RT/img.tar" .
podman import --quiet "$RT/img.tar" localhost/shop:1 >/dev/null || bad "podman import"
echo "image localhost/shop:1 imported ($(find "$IMG" -type f -perm -u+x | wc -l) executable files)"

say "12. podman run: the image's programs run, a dropped miner does not"
cmd='echo "hello from $(hostname)"; cp /bin/busybox /tmp/miner && echo >>/tmp/miner && chmod +x /tmp/miner; /tmp/miner; echo "miner exit code $?"'
echo "\$ podman run --rm --name shop-web --annotation drift.io/mode=enforce localhost/shop:1 sh -c '...'"
out=$(podman run --rm --network none --hooks-dir "$RT/hooks.d" --name shop-web \
	--annotation drift.io/mode=enforce localhost/shop:1 /bin/sh -c "$cmd" 2>&1)
echo "$out"
grep -q 'hello from' <<<"$out" || bad "the image's programs did not run"
grep -q 'miner exit code 126' <<<"$out" || bad "the miner was not denied (exit 126)"

say "13. The event driftd logged (JSON lines), naming the container and image"
rt_wait_events 1 container_name=shop-web action=deny
grep '"shop-web"' "$EVENTS" | grep '"deny"' | head -n 1
[ "$(rt_events container_name=shop-web action=deny reason=not_in_image image=localhost/shop:1)" -ge 1 ] ||
	bad "no deny event naming shop-web and localhost/shop:1"
rt_stop_driftd
[ "$problems" = 0 ]
