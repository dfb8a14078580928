#!/bin/bash
# Open MPI launcher agent for the multi-host test (--mca plm_rsh_agent):
# Open MPI calls it like ssh; it skips the option words, takes the host
# name, and runs the command inside that host's network namespace, under a
# UTS namespace of its own so the "host" has its own hostname.
while [[ "$1" == -* ]]; do shift; done
host="$1"
shift
exec ip netns exec "$host" unshare --uts bash -c "hostname $host; $*"
