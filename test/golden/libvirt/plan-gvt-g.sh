#!/bin/sh
# mdev-policy claim plan for host-b: VM vm-gvt, 1 device from host-a
# policy vfio-mdev@1.0.0 + intel-gvt-g@1.0.0 + platform@1.0.0 (sha256:5aeb80e08826a84a985d15fbbd0e194f8eefc172dbcfcde01985ba7394af604b), mode strict; decision ID at TIME by mdev-policy VERSION
# Run as root on host-b before the migration. Running it again changes nothing: a device
# already running as planned is left as it is; a definition that is not running is replaced.
set -eu

command -v mdevctl >/dev/null 2>&1 || { echo 'mdev-policy plan: mdevctl is not installed' >&2; exit 1; }

# needed UUID PARENT TYPE: false when UUID already runs on PARENT as TYPE; stops the script when it runs otherwise;
# removes a definition of UUID on PARENT that is not running, so that it is defined anew.
needed() {
  running=$(mdevctl list --uuid "$1")
  case $running in
    "") ;;
    "$1 $2 $3" | "$1 $2 $3 "*) echo "mdev-policy plan: $1 already runs on $2 as $3: left as it is" >&2; return 1 ;;
    *) echo "mdev-policy plan: $1 already runs, not as $3 on $2: $running" >&2; exit 1 ;;
  esac
  if [ -n "$(mdevctl list --defined --uuid "$1" --parent "$2")" ]; then
    mdevctl undefine --uuid "$1" --parent "$2"
  fi
  return 0
}

# 83b8f4f2-509f-382f-3c1e-e6bfe0fa1001: i915-GVTg_V5_4 on 0000:00:02.0
if needed '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001' '0000:00:02.0' 'i915-GVTg_V5_4'; then
  mdevctl define --uuid '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001' --parent '0000:00:02.0' --type 'i915-GVTg_V5_4' --auto
  mdevctl modify --uuid '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001' --parent '0000:00:02.0' --addattr='aggregator' --value='2'
  mdevctl modify --uuid '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001' --parent '0000:00:02.0' --addattr='fps' --value='60'
  mdevctl start --uuid '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001' --parent '0000:00:02.0'
fi
