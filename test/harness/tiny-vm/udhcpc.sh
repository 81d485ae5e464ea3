#!/bin/sh
# udhcpc's hook: configure the lease and print it for the test to read.
case "$1" in
  bound|renew)
    ip addr flush dev $interface
    ip addr add $ip/${mask:-24} dev $interface
    [ -n "$router" ] && ip route add default via ${router%% *} dev $interface
    echo "LEASE ip=$ip mask=$mask router=$router dns=$dns" ;;
esac
exit 0
