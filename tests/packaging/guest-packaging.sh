#!/bin/bash
# The packaging checks that need the QEMU guest, in one boot (run by
# run-checks "guest"): the DKMS-built module, then podman with the packaged
# hooks.d file. Exit 0 only if both pass.
here=$(dirname "$0")
rc=0
echo "=== guest-dkms-module.sh"
"$here/guest-dkms-module.sh" || rc=1
if [ $rc = 0 ]; then
	echo "=== guest-hooksd-podman.sh"
	"$here/guest-hooksd-podman.sh" || rc=1
fi
grep -q '^drift ' /proc/modules && { "$DRIFT_REPO/ctl/driftctl" unlock >/dev/null 2>&1; rmmod drift; }
echo "guest packaging checks: $([ $rc = 0 ] && echo PASS || echo FAIL)"
exit $rc
