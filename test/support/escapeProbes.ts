// The escape routes a root learner would try, as one POSIX sh script that runs in the
// sandbox itself and in containers nested in it (busybox's sh is enough). Each probe
// stays harmless even if a defence were missing: files are opened for writing but never
// written, devices are opened for reading only, and mounts are read-only and private.
// A line in capitals is printed only when a defence failed.
export const ESCAPE_PROBE = `
# The host engine's socket is nowhere here.
[ -S /var/run/docker.sock ] && [ "$(readlink -f /var/run/docker.sock)" != /run/docker.sock ] && echo HOST_SOCKET
# Kernel settings: /proc/sys read-only, and not writable once unmounted either.
( exec 3>>/proc/sys/kernel/core_pattern ) 2>/dev/null && echo CORE_PATTERN_WRITABLE
umount /proc/sys 2>/dev/null
( exec 3>>/proc/sys/kernel/core_pattern ) 2>/dev/null && echo CORE_PATTERN_WRITABLE_UNMOUNTED
( exec 3>>/sys/kernel/uevent_helper ) 2>/dev/null && echo UEVENT_HELPER_WRITABLE
# The host's disk: a device node made here cannot be opened, nor mounted.
mknod /tmp/hostdisk b 254 0 2>/dev/null
( exec 3</tmp/hostdisk ) 2>/dev/null && echo RAW_DISK_READABLE
mkdir -p /tmp/hostroot && mount -o ro /tmp/hostdisk /tmp/hostroot 2>/dev/null && echo HOST_DISK_MOUNTED
for dev in $(find /dev -type b 2>/dev/null); do echo "BLOCK_DEVICE $dev"; done
# cgroup v1 release_agent: each hierarchy mounted afresh shows only this cgroup
# namespace's root, where no release_agent exists (or it cannot be opened).
i=0
for ctrls in $(sed -n 's/^[0-9]*:\\([^:][^:]*\\):.*$/\\1/p' /proc/self/cgroup); do
  i=$((i + 1))
  dir=/tmp/cgroup-probe-$i
  mkdir -p "$dir"
  case "$ctrls" in name=*) opts="none,$ctrls" ;; *) opts="$ctrls" ;; esac
  if mount -t cgroup -o "$opts" cgroup "$dir" 2>/dev/null; then
    [ -e "$dir/release_agent" ] && ( exec 3>>"$dir/release_agent" ) 2>/dev/null && echo "RELEASE_AGENT_WRITABLE $ctrls"
    umount "$dir" 2>/dev/null
  fi
done
# root here is not root on the host.
awk '$1 == 0 && $2 != 0 { print "remapped" }' /proc/self/uid_map
echo probe-done
`;

/** Lines that say a defence failed. */
export function escapes(output: string): string[] {
  return output.split('\n').filter((line) => /^[A-Z_]{6,}( |$)/.test(line.trim()));
}
