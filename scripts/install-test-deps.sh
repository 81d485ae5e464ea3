#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages kvmnet's tests use (run as root, or it uses sudo):
#   iproute2 (ip, ss), tmux (the terminal tests), libvirt-clients + libxml2-utils (virsh, the test driver,
#   virt-xml-validate), libvirt-daemon + dnsmasq-base + iptables (a real libvirtd in a namespace),
#   openvswitch-switch (OVS on the userspace datapath), qemu-system-x86 + busybox-static (the tiny VM that takes a
#   DHCP lease; its kernel comes from Debian's linux-image package at test time), openssh-server + openssh-client
#   (the remote-host tests' sshd in a namespace, and kvmnet's own ssh transport), strace (a test proves that nothing
#   but virsh runs on this machine for a host reached over tcp), netplan.io (netplan generate --root-dir on the
#   plans' files), ifupdown + bridge-utils (ifquery and ifup --no-act on the plans' stanzas; nothing is brought up),
#   ethtool (the probe test's LAN port computes its own checksums), iputils-ping (the probe measures with ping),
#   nftables (nft: the doctor reads forward-hook chains; a test adds one in a namespace).
set -euo pipefail
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
packages=(iproute2 tmux libvirt-clients libxml2-utils libvirt-daemon dnsmasq-base iptables openvswitch-switch qemu-system-x86 busybox-static openssh-server openssh-client strace netplan.io ifupdown bridge-utils ethtool iputils-ping nftables)
missing=()
for p in "${packages[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
