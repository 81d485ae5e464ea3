#!/bin/bash
# The baseline: the same facts gathered with the raw tools, one process per object, as a person would script it.
# usage: baseline.sh URI
set -u
URI=$1
ip -j -d addr > /dev/null
bridge -j link > /dev/null
for n in $(virsh -q -c "$URI" net-list --all --name); do virsh -q -c "$URI" net-dumpxml "$n" > /dev/null; done
for d in $(virsh -q -c "$URI" list --all --name); do virsh -q -c "$URI" domiflist "$d" > /dev/null; done
