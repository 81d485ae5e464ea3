#!/bin/bash
# A throwaway libvirtd in its own network, mount and pid namespace, for tests. Nothing touches the host network.
# usage: libvirtd-ns.sh up|down NAME [BASE]   (up prints the URI to use on its last line)
# needs root and: libvirt-daemon libvirt-clients dnsmasq-base iptables
set -eu
CMD=${1:?up|down}; NS=${2:?namespace name}; BASE=${3:-/tmp/kvmnet-libvirtd}; R=$BASE/$NS
URI="qemu:///system?socket=$R/run/libvirt-sock"
if [ "$CMD" = up ]; then
  rm -rf "$R"; mkdir -p "$R"/{etc,run,lib,cache,log}
  # Mount points for the bind mounts below; they stay empty on the host.
  mkdir -p /run/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt /etc/libvirt
  printf '%s\n' 'auth_unix_rw = "none"' 'unix_sock_rw_perms = "0700"' \
    'log_outputs = "2:file:/var/log/libvirt/libvirtd.log"' > "$R/etc/libvirtd.conf"
  printf '%s\n' 'user = "root"' 'group = "root"' 'dynamic_ownership = 0' 'remember_owner = 0' \
    'security_driver = "none"' 'namespaces = [ ]' 'stdio_handler = "file"' 'cgroup_controllers = [ ]' > "$R/etc/qemu.conf"
  # The qemu driver will not start unless user and group libvirt-qemu exist: add them inside the mount ns only.
  cp /etc/passwd "$R/passwd"; cp /etc/group "$R/group"
  getent passwd libvirt-qemu >/dev/null || echo 'libvirt-qemu:x:64055:64055::/var/lib/libvirt:/usr/sbin/nologin' >> "$R/passwd"
  getent group libvirt-qemu >/dev/null || echo 'libvirt-qemu:x:64055:' >> "$R/group"
  ip netns add "$NS" 2>/dev/null || true
  ip -n "$NS" link set lo up
  # sh stays pid 1 of the new pid namespace and reaps orphans (qemu, dnsmasq); killing it kills them all.
  ip netns exec "$NS" unshare --mount --pid --fork --kill-child --mount-proc --propagation private sh -c "
    for d in etc:/etc/libvirt run:/run/libvirt lib:/var/lib/libvirt cache:/var/cache/libvirt log:/var/log/libvirt \
             passwd:/etc/passwd group:/etc/group; do mount --bind $R/\${d%%:*} \${d#*:}; done
    ${OVS_RUNDIR:+export OVS_RUNDIR=$OVS_RUNDIR;}
    libvirtd -p /run/libvirt/libvirtd.pid & wait \$!
  " > "$R/libvirtd.out" 2>&1 &
  echo $! > "$R/unshare.pid"
  for i in $(seq 100); do virsh -q -c "$URI" uri >/dev/null 2>&1 && break; sleep 0.1; done
  virsh -q -c "$URI" uri >/dev/null || { cat "$R/libvirtd.out" "$R/log/libvirtd.log" >&2 2>/dev/null; exit 1; }
  echo "$URI"
elif [ "$CMD" = down ]; then
  if [ -f "$R/unshare.pid" ]; then
    P=$(cat "$R/unshare.pid")
    # unshare --kill-child: SIGKILL to unshare takes pid 1 of the namespace, so libvirtd, dnsmasq and qemu go too.
    kill -KILL "$P" 2>/dev/null || true
    for i in $(seq 50); do grep -qs '^State:[[:space:]]*[^Z]' /proc/$P/status || break; sleep 0.1; done
  fi
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$R"
fi
